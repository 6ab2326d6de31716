package tensor

import (
	"math"
	"testing"
)

func TestAttentionGradients(t *testing.T) {
	mask := FromSlice([]float32{1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1}, 3, 4)
	for _, c := range []struct {
		name   string
		mask   *Tensor
		causal bool
	}{{"plain", nil, false}, {"mask", mask, false}, {"causal", nil, true}, {"both", mask, true}} {
		checkGrad(t, "SDPA/"+c.name, func(xs []*Tensor) *Tensor {
			return ScaledDotProductAttention(xs[0], xs[1], xs[2], c.mask, c.causal)
		}, randn(1, 2, 3, 5), randn(2, 2, 4, 5), randn(3, 2, 4, 2))
	}
}

func TestAttentionMatchesExplicitComputation(t *testing.T) {
	// One query, two keys: weights softmax([q·k0, q·k1]/sqrt(2)).
	q := FromSlice([]float32{1, 0}, 1, 2)
	k := FromSlice([]float32{1, 0, 0, 1}, 2, 2)
	v := FromSlice([]float32{10, 20}, 2, 1)
	a := 1 / math.Sqrt(2)
	w0 := math.Exp(a) / (math.Exp(a) + 1)
	got := ScaledDotProductAttention(q, k, v, nil, false).Item()
	if want := 10*w0 + 20*(1-w0); math.Abs(float64(got)-want) > 1e-5 {
		t.Errorf("attention = %g, want %g", got, want)
	}
	masked := ScaledDotProductAttention(q, k, v, FromSlice([]float32{0, 1}, 1, 2), false).Item()
	if masked != 20 {
		t.Errorf("attention with key 0 masked = %g, want 20", masked)
	}
}

func TestAttentionCausalAndFullyMaskedRows(t *testing.T) {
	q, k := randn(1, 3, 4), randn(2, 3, 4)
	v := FromSlice([]float32{1, 2, 4}, 3, 1)
	out := ScaledDotProductAttention(q, k, v, nil, true).Data()
	if out[0] != 1 {
		t.Errorf("first query under a causal mask sees only key 0: got %g, want 1", out[0])
	}
	none := ScaledDotProductAttention(q, k, v, Zeros(3, 3), false).Data()
	for i, o := range none {
		if math.Abs(float64(o)-7.0/3) > 1e-5 {
			t.Errorf("fully masked query %d = %g, want the uniform average 7/3", i, o)
		}
	}
}
