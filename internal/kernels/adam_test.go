package kernels

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// The AVX twin must give the portable update's bits, for Adam's L2 penalty
// and AdamW's decay, on lengths with and without a tail.
func TestAdamVectorMatchesPortableBitForBit(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, k := range []*Adam{
		{B1: 0.9, C1: 0.1, B2: 0.999, C2: 0.001, StepSize: 0.03, InvBC2: 7.3, Eps: 1e-8, L2: 0.01, Shrink: 1},
		{B1: 0.9, C1: 0.1, B2: 0.999, C2: 0.001, StepSize: 0.03, InvBC2: 7.3, Eps: 1e-8, Shrink: 0.999},
	} {
		for _, n := range []int{0, 1, 7, 8, 9, 31, 1000, 3*adamGrain + 5} { // the last split over cores
			w, g, m, v := randFloats(rng, n), randFloats(rng, n), randFloats(rng, n), randFloats(rng, n)
			for i := range v {
				v[i] *= v[i] // a second moment is never negative
			}
			w2, m2, v2 := slices.Clone(w), slices.Clone(m), slices.Clone(v)
			k.Update(w, g, m, v)
			k.updateGo(w2, g, m2, v2)
			for i := range w {
				if w[i] != w2[i] || m[i] != m2[i] || v[i] != v2[i] {
					t.Fatalf("%+v n=%d, element %d: vector (%v %v %v), Go (%v %v %v)", *k, n, i, w[i], m[i], v[i], w2[i], m2[i], v2[i])
				}
			}
		}
	}
}

// One step from zero moments moves every weight by about the learning
// rate against its gradient's sign, the defining property of Adam.
func TestAdamFirstStepMovesByTheLearningRate(t *testing.T) {
	const lr = 0.01
	k := &Adam{B1: 0.9, C1: 0.1, B2: 0.999, C2: 0.001, StepSize: lr / 0.1, InvBC2: 1 / 0.0316227766, Eps: 1e-8, Shrink: 1}
	w := []float32{1, 1, 1, 1, 1, 1, 1, 1, 1}
	g := []float32{3, -2, 0.5, -0.1, 7, -7, 1e-3, -1e-3, 2}
	m, v := make([]float32, len(w)), make([]float32, len(w))
	k.Update(w, g, m, v)
	for i := range w {
		want := 1 - lr*float32(sign(g[i]))
		if d := w[i] - want; d > 1e-5 || d < -1e-5 {
			t.Errorf("w[%d] = %v after one step with gradient %v, want %v", i, w[i], g[i], want)
		}
	}
}

func sign(x float32) int {
	if x < 0 {
		return -1
	}
	return 1
}
