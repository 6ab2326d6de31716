//go:build !noasm

package kernels

import (
	"math"
	"testing"
)

// The AVX-512 twins give the AVX2 kernels' bits, values and gradients,
// over the sweep and the special values.
func TestActivationAVX512MatchesAVX2(t *testing.T) {
	if !hasAVX512 || !hasAVX2FMA {
		t.Skip("no AVX-512 on this CPU")
	}
	inf := float32(math.Inf(1))
	xs := append(sweepSlice(1e-30, 1e30, sweepSize()), inf, -inf, 0, float32(math.Copysign(0, -1)), 1e-40, -1e-40, float32(math.NaN()))
	xs = xs[:len(xs)&^15]
	g := make([]float32, len(xs))
	for i := range g {
		g[i] = float32(i%7) - 3.5
	}
	for _, kind := range []int{kindExp, kindSiLU, kindGELU} {
		for _, grad := range []bool{false, true} {
			if grad && kind == kindExp {
				continue
			}
			var gp *float32
			if grad {
				gp = &g[0]
			}
			wide, narrow := make([]float32, len(xs)), make([]float32, len(xs))
			runAVX512(kind, &wide[0], gp, &xs[0], len(xs))
			runAVX2(kind, &narrow[0], gp, &xs[0], len(xs))
			for i := range xs {
				if math.Float32bits(wide[i]) != math.Float32bits(narrow[i]) && !bothNaN(wide[i], narrow[i]) {
					t.Fatalf("kind %d, gradient %v, x=%g: AVX-512 %g, AVX2 %g", kind, grad, xs[i], wide[i], narrow[i])
				}
			}
		}
	}
}
