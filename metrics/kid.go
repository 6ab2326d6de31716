package metrics

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/tensor"
)

// Kernel is a positive-definite kernel on feature vectors.
type Kernel func(a, b []float64) float64

// PolynomialKernel returns KID's kernel k(a, b) = (a·b/d + 1)³, d the
// feature dimension (Bińkowski et al., 2018).
func PolynomialKernel(d int) Kernel {
	return func(a, b []float64) float64 {
		v := dot(a, b)/float64(d) + 1
		return v * v * v
	}
}

// RBFKernel returns the Gaussian kernel k(a, b) = exp(−‖a − b‖² / (2σ²)).
func RBFKernel(sigma float64) Kernel {
	return func(a, b []float64) float64 {
		var s float64
		for i := range a {
			d := a[i] - b[i]
			s += d * d
		}
		return math.Exp(-s / (2 * sigma * sigma))
	}
}

// MMD2 returns the unbiased estimate of the squared maximum mean
// discrepancy between the distributions of x and y under kernel k
// (Gretton et al., 2012): the within-set means leave out the diagonal,
//
//	Σ_{i≠j} k(xᵢ,xⱼ)/(m(m−1)) + Σ_{i≠j} k(yᵢ,yⱼ)/(n(n−1)) − 2 Σ k(xᵢ,yⱼ)/(mn).
//
// It can be slightly negative when the distributions agree. Each set needs
// at least two vectors.
func MMD2(x, y [][]float64, k Kernel) (float64, error) {
	dx, err := checkRows("compare", x)
	if err != nil {
		return 0, err
	}
	dy, err := checkRows("compare", y)
	if err != nil {
		return 0, err
	}
	if dx != dy {
		return 0, fmt.Errorf("metrics: MMD between %d- and %d-dimensional features", dx, dy)
	}
	if len(x) < 2 || len(y) < 2 {
		return 0, fmt.Errorf("metrics: unbiased MMD needs at least 2 vectors per set, got %d and %d", len(x), len(y))
	}
	within := func(z [][]float64) float64 {
		var s float64
		for i := range z {
			for j := i + 1; j < len(z); j++ {
				s += k(z[i], z[j])
			}
		}
		m := float64(len(z))
		return 2 * s / (m * (m - 1))
	}
	var cross float64
	for _, a := range x {
		for _, b := range y {
			cross += k(a, b)
		}
	}
	return within(x) + within(y) - 2*cross/float64(len(x)*len(y)), nil
}

// KIDOptions set how many random subsets KID averages over and their size.
// Zero values take the defaults: 10 subsets of 1000 (or all the vectors of
// the smaller set, if fewer).
type KIDOptions struct {
	Subsets    int
	SubsetSize int
}

// KID returns the kernel inception distance between feature sets x and y:
// the unbiased MMD² with the cubic polynomial kernel, averaged over random
// subsets drawn without replacement from each set, with the standard
// deviation over the subsets. The subsets come from s.
func KID(x, y [][]float64, opts KIDOptions, s *tensor.Stream) (mean, std float64, err error) {
	if opts.Subsets < 0 || opts.SubsetSize < 0 {
		return 0, 0, fmt.Errorf("metrics: KID subsets and subset size must be ≥ 0, got %d and %d", opts.Subsets, opts.SubsetSize)
	}
	if opts.Subsets == 0 {
		opts.Subsets = 10
	}
	if opts.SubsetSize == 0 {
		opts.SubsetSize = 1000
	}
	d, err := checkRows("compare", x)
	if err != nil {
		return 0, 0, err
	}
	size := min(opts.SubsetSize, len(x), len(y))
	if s == nil && (size < len(x) || size < len(y)) {
		return 0, 0, fmt.Errorf("metrics: KID draws subsets of %d from sets of %d and %d but was given no random stream", size, len(x), len(y))
	}
	k := PolynomialKernel(d)
	vals := make([]float64, opts.Subsets)
	for i := range vals {
		if vals[i], err = MMD2(subset(x, size, s), subset(y, size, s), k); err != nil {
			return 0, 0, err
		}
	}
	mean, std = meanStd(vals)
	return mean, std, nil
}

// subset returns n rows of x drawn without replacement (all of x, in
// order, when n covers it).
func subset(x [][]float64, n int, s *tensor.Stream) [][]float64 {
	if n >= len(x) {
		return x
	}
	perm := s.Permutation(len(x))
	out := make([][]float64, n)
	for i := range out {
		out[i] = x[perm[i]]
	}
	return out
}

// meanStd returns the mean and the population standard deviation of v.
func meanStd(v []float64) (mean, std float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(v)))
}

func dot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}
