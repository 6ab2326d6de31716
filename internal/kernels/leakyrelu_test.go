package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The vector kernels must agree bit for bit with the portable loops,
// including the special values and lengths that leave a tail.
func TestLeakyReLUMatchesPortable(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, float32(math.NaN()),
		float32(math.Inf(1)), float32(math.Inf(-1)), 1e-40, -1e-40}
	for _, n := range []int{0, 1, 7, 15, 16, 17, 33, 1023, 4096} {
		x := make([]float32, n)
		g := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64())
			if i%5 == 0 {
				x[i] = special[(i/5)%len(special)]
			}
			g[i] = float32(r.NormFloat64())
		}
		for _, slope := range []float32{0, 0.2, -0.5} {
			got, want := make([]float32, n), make([]float32, n)
			LeakyReLU(got, x, slope)
			leakyReLUGo(want, x, slope)
			sameBits(t, "LeakyReLU", n, slope, got, want)
			LeakyReLUGrad(got, g, x, slope)
			leakyReLUGradGo(want, g, x, slope)
			sameBits(t, "LeakyReLUGrad", n, slope, got, want)
		}
	}
}

func TestLeakyReLUValues(t *testing.T) {
	x := []float32{-2, -0.5, 0, 0.5, 3}
	got := make([]float32, len(x))
	LeakyReLU(got, x, 0.1)
	want := []float32{-0.2, -0.05, 0, 0.5, 3}
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-7 {
			t.Fatalf("LeakyReLU(%v) = %v, want %v", x, got, want)
		}
	}
	g := []float32{1, 1, 1, 1, 1}
	LeakyReLUGrad(got, g, x, 0)
	if want := []float32{0, 0, 0, 1, 1}; !equal(got, want) {
		t.Fatalf("ReLU gradient at %v = %v, want %v (0 at x = 0, as in PyTorch)", x, got, want)
	}
}

func sameBits(t *testing.T, op string, n int, slope float32, got, want []float32) {
	t.Helper()
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s n=%d slope=%v: element %d = %v, portable %v", op, n, slope, i, got[i], want[i])
		}
	}
}

func equal(a, b []float32) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}
