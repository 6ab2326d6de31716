package metrics

import (
	"fmt"
	"math"
)

// Gaussian is a multivariate normal fitted to feature vectors: its mean and
// its covariance (Dim×Dim, row-major).
type Gaussian struct {
	Dim  int
	Mean []float64
	Cov  []float64
}

// FitGaussian returns the sample mean and the unbiased (N−1) sample
// covariance of the rows of x, which must all have the same length; at
// least two rows are needed.
func FitGaussian(x [][]float64) (Gaussian, error) {
	d, err := checkRows("fit a Gaussian to", x)
	if err != nil {
		return Gaussian{}, err
	}
	if len(x) < 2 {
		return Gaussian{}, fmt.Errorf("metrics: a covariance needs at least 2 feature vectors, got %d", len(x))
	}
	g := Gaussian{Dim: d, Mean: make([]float64, d), Cov: make([]float64, d*d)}
	for _, r := range x {
		for j, v := range r {
			g.Mean[j] += v
		}
	}
	for j := range g.Mean {
		g.Mean[j] /= float64(len(x))
	}
	c := make([]float64, d)
	for _, r := range x {
		for j, v := range r {
			c[j] = v - g.Mean[j]
		}
		for i, ci := range c {
			if ci == 0 {
				continue
			}
			row := g.Cov[i*d : (i+1)*d]
			for j := i; j < d; j++ {
				row[j] += ci * c[j]
			}
		}
	}
	scale := 1 / float64(len(x)-1)
	for i := 0; i < d; i++ {
		for j := i; j < d; j++ {
			v := g.Cov[i*d+j] * scale
			g.Cov[i*d+j], g.Cov[j*d+i] = v, v
		}
	}
	return g, nil
}

// FrechetDistance returns the squared Fréchet (2-Wasserstein) distance
// between two Gaussians,
//
//	‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁Σ₂)^½).
//
// Tr((Σ₁Σ₂)^½) is computed as Tr((Σ₁^½ Σ₂ Σ₁^½)^½): the two matrices are
// similar, and the second is symmetric, so only symmetric
// eigen-decompositions are needed.
func FrechetDistance(a, b Gaussian) (float64, error) {
	if a.Dim != b.Dim || len(a.Mean) != a.Dim || len(b.Mean) != b.Dim || len(a.Cov) != a.Dim*a.Dim || len(b.Cov) != b.Dim*b.Dim {
		return 0, fmt.Errorf("metrics: Fréchet distance between Gaussians of dimensions %d and %d (or malformed)", a.Dim, b.Dim)
	}
	n := a.Dim
	var dist float64
	for i := range a.Mean {
		d := a.Mean[i] - b.Mean[i]
		dist += d * d
	}
	for i := 0; i < n; i++ {
		dist += a.Cov[i*n+i] + b.Cov[i*n+i]
	}
	ra, err := SqrtPSD(a.Cov, n)
	if err != nil {
		return 0, err
	}
	vals, _, err := SymEigen(matMul(matMul(ra, b.Cov, n), ra, n), n)
	if err != nil {
		return 0, err
	}
	for _, l := range vals {
		dist -= 2 * math.Sqrt(max(l, 0))
	}
	// Rounding can take the distance of identical Gaussians a hair below 0.
	return max(dist, 0), nil
}

// FID is the Fréchet distance between Gaussians fitted to two sets of
// feature vectors (Heusel et al., 2017).
func FID(x, y [][]float64) (float64, error) {
	a, err := FitGaussian(x)
	if err != nil {
		return 0, err
	}
	b, err := FitGaussian(y)
	if err != nil {
		return 0, err
	}
	return FrechetDistance(a, b)
}

// checkRows returns the common length of x's rows, or an error naming what
// was being done when x is empty or ragged.
func checkRows(what string, x [][]float64) (int, error) {
	if len(x) == 0 {
		return 0, fmt.Errorf("metrics: cannot %s no feature vectors", what)
	}
	d := len(x[0])
	if d == 0 {
		return 0, fmt.Errorf("metrics: cannot %s empty feature vectors", what)
	}
	for i, r := range x {
		if len(r) != d {
			return 0, fmt.Errorf("metrics: cannot %s feature vectors of different lengths (row 0 has %d, row %d has %d)", what, d, i, len(r))
		}
	}
	return d, nil
}
