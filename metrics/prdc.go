package metrics

import (
	"fmt"
	"math"
	"runtime"
	"sync"
)

// PRDC holds the k-nearest-neighbour manifold metrics of generated
// features against real ones (Naeem et al., 2020). Each real vector's
// neighbourhood is the ball reaching its k-th nearest real neighbour
// (likewise for generated vectors, for recall):
//
//   - Precision: the fraction of generated vectors inside some real ball
//     (fidelity; Kynkäänniemi et al., 2019).
//   - Recall: the fraction of real vectors inside some generated ball
//     (diversity).
//   - Density: the number of real balls holding each generated vector,
//     averaged and divided by k; 1 when the two sets are alike, above 1
//     where generated vectors crowd the real modes.
//   - Coverage: the fraction of real balls holding at least one
//     generated vector.
//
// "Inside" is a distance strictly below the radius.
type PRDC struct {
	Precision, Recall, Density, Coverage float64
}

// ComputePRDC returns precision, recall, density and coverage of fake
// against real with k nearest neighbours (5 in the paper). Each set needs
// more than k vectors. Memory stays linear in the set sizes: distances
// are computed a row at a time, on all cores.
func ComputePRDC(real, fake [][]float64, k int) (PRDC, error) {
	dr, err := checkRows("compare", real)
	if err != nil {
		return PRDC{}, err
	}
	df, err := checkRows("compare", fake)
	if err != nil {
		return PRDC{}, err
	}
	if dr != df {
		return PRDC{}, fmt.Errorf("metrics: PRDC between %d- and %d-dimensional features", dr, df)
	}
	if k <= 0 || k >= len(real) || k >= len(fake) {
		return PRDC{}, fmt.Errorf("metrics: PRDC needs 1 ≤ k < set sizes, got k=%d with %d real and %d generated vectors", k, len(real), len(fake))
	}
	rr, rf := kthNeighbour(real, k), kthNeighbour(fake, k)
	nr, nf := len(real), len(fake)

	type partial struct {
		inBalls  []int // per generated vector: how many real balls hold it
		recalled int
		covered  int
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), nr))
	parts := make([]partial, workers)
	var wg sync.WaitGroup
	for w := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := partial{inBalls: make([]int, nf)}
			dist := make([]float64, nf)
			for i := w * nr / workers; i < (w+1)*nr/workers; i++ {
				distances(dist, real[i], fake)
				nearest, recalled := math.Inf(1), false
				for j, d := range dist {
					if d < rr[i] {
						p.inBalls[j]++
					}
					if d < rf[j] {
						recalled = true
					}
					nearest = min(nearest, d)
				}
				if recalled {
					p.recalled++
				}
				if nearest < rr[i] {
					p.covered++
				}
			}
			parts[w] = p
		}()
	}
	wg.Wait()

	var r PRDC
	var precise, balls int
	for j := 0; j < nf; j++ {
		c := 0
		for _, p := range parts {
			c += p.inBalls[j]
		}
		if c > 0 {
			precise++
		}
		balls += c
	}
	var recalled, covered int
	for _, p := range parts {
		recalled += p.recalled
		covered += p.covered
	}
	r.Precision = float64(precise) / float64(nf)
	r.Recall = float64(recalled) / float64(nr)
	r.Density = float64(balls) / float64(k*nf)
	r.Coverage = float64(covered) / float64(nr)
	return r, nil
}

// kthNeighbour returns, for each row of x, the Euclidean distance to its
// k-th nearest other row.
func kthNeighbour(x [][]float64, k int) []float64 {
	out := make([]float64, len(x))
	workers := max(1, min(runtime.GOMAXPROCS(0), len(x)))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dist := make([]float64, len(x))
			best := make([]float64, 0, k+1) // the k+1 smallest, ascending (self included)
			for i := w * len(x) / workers; i < (w+1)*len(x)/workers; i++ {
				distances(dist, x[i], x)
				dist[i] = 0 // the row itself, exactly
				best = best[:0]
				for _, d := range dist {
					if len(best) == k+1 && d >= best[k] {
						continue
					}
					if len(best) < k+1 {
						best = append(best, d)
					} else {
						best[k] = d
					}
					for j := len(best) - 1; j > 0 && best[j] < best[j-1]; j-- {
						best[j], best[j-1] = best[j-1], best[j]
					}
				}
				out[i] = best[k]
			}
		}()
	}
	wg.Wait()
	return out
}

// distances fills dst with the Euclidean distances from a to each row of x.
func distances(dst, a []float64, x [][]float64) {
	for j, b := range x {
		var s float64
		for i, v := range a {
			d := v - b[i]
			s += d * d
		}
		dst[j] = math.Sqrt(s)
	}
}
