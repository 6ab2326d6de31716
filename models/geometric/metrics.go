package geometric

import (
	"fmt"
	"math"
)

// Point is a point in 3-D space.
type Point [3]float64

func sqDist(a, b Point) float64 {
	dx, dy, dz := a[0]-b[0], a[1]-b[1], a[2]-b[2]
	return dx*dx + dy*dy + dz*dz
}

// Chamfer returns the symmetric Chamfer distance between two point sets:
// the mean squared distance from each point of a to the nearest point of
// b plus the same from b to a (the convention of Achlioptas et al. 2018).
func Chamfer(a, b []Point) float64 {
	one := func(p, q []Point) float64 {
		s := 0.0
		for _, x := range p {
			best := math.Inf(1)
			for _, y := range q {
				best = math.Min(best, sqDist(x, y))
			}
			s += best
		}
		return s / float64(len(p))
	}
	return one(a, b) + one(b, a)
}

// EMD returns the earth mover's distance between two point sets of the
// same size: the mean Euclidean distance between matched points under the
// optimal one-to-one matching, found exactly by the Hungarian algorithm
// (O(n³); intended for sets of a few thousand points at most).
func EMD(a, b []Point) (float64, error) {
	n := len(a)
	if n != len(b) {
		return 0, fmt.Errorf("geometric: EMD needs sets of equal size, got %d and %d points", len(a), len(b))
	}
	if n == 0 {
		return 0, nil
	}
	cost := func(i, j int) float64 { return math.Sqrt(sqDist(a[i], b[j])) }
	match := hungarian(n, cost)
	s := 0.0
	for i, j := range match {
		s += cost(i, j)
	}
	return s / float64(n), nil
}

// hungarian returns, for each row i of an n×n cost matrix, the column it
// is assigned to in a minimum-cost perfect matching (shortest augmenting
// paths with row and column potentials).
func hungarian(n int, cost func(i, j int) float64) []int {
	u := make([]float64, n+1)
	v := make([]float64, n+1)
	p := make([]int, n+1) // p[j]: row matched to column j (1-based, 0 = none)
	way := make([]int, n+1)
	minv := make([]float64, n+1)
	used := make([]bool, n+1)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j] = math.Inf(1)
			used[j] = false
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], math.Inf(1), 0
			for j := 1; j <= n; j++ {
				if used[j] {
					continue
				}
				cur := cost(i0-1, j-1) - u[i0] - v[j]
				if cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= n; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	match := make([]int, n)
	for j := 1; j <= n; j++ {
		match[p[j]-1] = j - 1
	}
	return match
}

// SetDistance is a distance between two point sets (Chamfer, or EMD
// through EMDDistance).
type SetDistance func(a, b []Point) float64

// EMDDistance is EMD as a SetDistance; sets of different sizes give +Inf.
func EMDDistance(a, b []Point) float64 {
	d, err := EMD(a, b)
	if err != nil {
		return math.Inf(1)
	}
	return d
}

// distanceMatrix returns dist(samples[i], refs[j]) for all pairs.
func distanceMatrix(samples, refs [][]Point, dist SetDistance) [][]float64 {
	m := make([][]float64, len(samples))
	for i, s := range samples {
		m[i] = make([]float64, len(refs))
		for j, r := range refs {
			m[i][j] = dist(s, r)
		}
	}
	return m
}

// Coverage returns the fraction of reference shapes that are the nearest
// reference of at least one sample (Achlioptas et al. 2018): low coverage
// means the samples miss modes of the reference set.
func Coverage(samples, refs [][]Point, dist SetDistance) float64 {
	if len(refs) == 0 {
		return 0
	}
	m := distanceMatrix(samples, refs, dist)
	covered := make([]bool, len(refs))
	for i := range samples {
		best := 0
		for j := range refs {
			if m[i][j] < m[i][best] {
				best = j
			}
		}
		covered[best] = true
	}
	n := 0
	for _, c := range covered {
		if c {
			n++
		}
	}
	return float64(n) / float64(len(refs))
}

// MinimumMatchingDistance returns the mean, over the reference shapes, of
// the distance to the closest sample (Achlioptas et al. 2018): high when
// some references have no close sample, i.e. a measure of fidelity and
// coverage together.
func MinimumMatchingDistance(samples, refs [][]Point, dist SetDistance) float64 {
	if len(refs) == 0 || len(samples) == 0 {
		return math.Inf(1)
	}
	m := distanceMatrix(samples, refs, dist)
	s := 0.0
	for j := range refs {
		best := math.Inf(1)
		for i := range samples {
			best = math.Min(best, m[i][j])
		}
		s += best
	}
	return s / float64(len(refs))
}

// PointsOf returns the point sets of a batch of values [B, N, 3] (given
// flat, with n points per set).
func PointsOf(vals []float32, n int) [][]Point {
	var out [][]Point
	for k := 0; k+3*n <= len(vals); k += 3 * n {
		set := make([]Point, n)
		for i := range set {
			set[i] = Point{float64(vals[k+3*i]), float64(vals[k+3*i+1]), float64(vals[k+3*i+2])}
		}
		out = append(out, set)
	}
	return out
}
