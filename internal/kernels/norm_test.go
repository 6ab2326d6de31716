package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The normalisation kernels against float64 sums, over lengths around the
// vector width and values far from zero (where E[v²] − E[v]² loses
// precision if summed in float32).
func TestNormKernelsMatchFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, n := range []int{0, 1, 15, 16, 17, 33, 100, 784, 1000} {
		x, g, d := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = float32(100 + rng.NormFloat64())
			g[i] = float32(rng.NormFloat64())
			d[i] = float32(rng.NormFloat64())
		}
		var s, q, gx, sg float64
		const m, r = 100.25, 0.75
		for i, v := range x {
			s += float64(v)
			q += float64(v) * float64(v)
			gx += float64(g[i]) * (float64(v) - m) * r
			sg += float64(g[i])
		}
		gs, gq := SumSquares(x)
		close := func(name string, got, want, tol float64) {
			t.Helper()
			if !(math.Abs(got-want) <= tol*(1+math.Abs(want))) {
				t.Fatalf("n=%d: %s = %v, want %v", n, name, got, want)
			}
		}
		close("Σv", gs, s, 1e-12)
		close("Σv²", gq, q, 1e-12)
		ggx, gsg := CenteredDot(x, g, m, r)
		close("Σg·x̂", float64(ggx), gx, 1e-4)
		close("Σg", float64(gsg), sg, 1e-4)
		want := make([]float64, n)
		const a, b, c = 0.5, -2, 3
		for i := range d {
			want[i] = a*float64(d[i]) + b*float64(x[i]) + c
		}
		AffineCombine(d, x, a, b, c)
		for i, v := range want {
			close("a·d + b·x + c", float64(d[i]), v, 1e-6)
		}
	}
}

// Max is the largest value, over lengths around the vector width, the
// largest anywhere in the slice, with infinities.
func TestMaxFindsTheLargest(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	for _, n := range []int{1, 15, 16, 17, 32, 33, 48, 49, 64, 128, 1000} {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(rng.NormFloat64())
		}
		for _, at := range []int{0, n / 2, n - 1} {
			for _, top := range []float32{100, float32(math.Inf(1))} {
				c := append([]float32(nil), s...)
				c[at] = top
				if got := Max(c); got != top {
					t.Fatalf("n=%d, %g at %d: Max %g", n, top, at, got)
				}
			}
		}
		c := append([]float32(nil), s...)
		for i := range c {
			c[i] = float32(math.Inf(-1))
		}
		if got := Max(c); !math.IsInf(float64(got), -1) {
			t.Fatalf("n=%d of -Inf: Max %g", n, got)
		}
	}
}
