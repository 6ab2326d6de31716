package nn

import (
	"math"
	"testing"

	"github.com/artifex-go/artifex/tensor"
)

// referenceAttention computes multi-head attention of one batch element
// with explicit loops in float64: project, split heads, softmax over the
// allowed keys, merge, project out.
func referenceAttention(m *MultiHeadAttention, q, kv *tensor.Tensor, b int, allowed func(i, j int) bool) []float64 {
	lq, lk := q.Dim(1), kv.Dim(1)
	project := func(l *Linear, x *tensor.Tensor, row int) []float64 {
		in, out := l.Weight.Dim(0), l.Weight.Dim(1)
		y := make([]float64, out)
		for o := 0; o < out; o++ {
			s := float64(l.Bias.Data()[o])
			for i := 0; i < in; i++ {
				s += float64(x.At(b, row, i)) * float64(l.Weight.At(i, o))
			}
			y[o] = s
		}
		return y
	}
	e := m.Query.Weight.Dim(1)
	d := e / m.Heads
	var qs, ks, vs [][]float64
	for i := 0; i < lq; i++ {
		qs = append(qs, project(m.Query, q, i))
	}
	for j := 0; j < lk; j++ {
		ks, vs = append(ks, project(m.Key, kv, j)), append(vs, project(m.Value, kv, j))
	}
	out := make([]float64, 0, lq*e)
	for i := 0; i < lq; i++ {
		merged := make([]float64, e)
		for h := 0; h < m.Heads; h++ {
			w := make([]float64, lk)
			var z, top float64 = 0, math.Inf(-1)
			for j := 0; j < lk; j++ {
				if !allowed(i, j) {
					continue
				}
				for c := h * d; c < (h+1)*d; c++ {
					w[j] += qs[i][c] * ks[j][c]
				}
				w[j] /= math.Sqrt(float64(d))
				top = max(top, w[j])
			}
			for j := range w {
				if allowed(i, j) {
					w[j] = math.Exp(w[j] - top)
					z += w[j]
				} else {
					w[j] = 0
				}
			}
			for j := range w {
				for c := h * d; c < (h+1)*d; c++ {
					merged[c] += w[j] / z * vs[j][c]
				}
			}
		}
		for o := 0; o < e; o++ {
			s := float64(m.Out.Bias.Data()[o])
			for c := 0; c < e; c++ {
				s += merged[c] * float64(m.Out.Weight.At(c, o))
			}
			out = append(out, s)
		}
	}
	return out
}

// withRandomBiases gives an attention layer non-zero biases (they start at
// zero) so that tests exercise them.
func withRandomBiases(m *MultiHeadAttention, seed uint64) *MultiHeadAttention {
	for i, l := range []*Linear{m.Query, m.Key, m.Value, m.Out} {
		copy(l.Bias.Data(), tensor.Scale(randn(seed+uint64(i), l.Bias.Size()), 0.1).Data())
	}
	return m
}

func asFloat32(xs []float64) []float32 {
	out := make([]float32, len(xs))
	for i, v := range xs {
		out[i] = float32(v)
	}
	return out
}

func TestMultiHeadAttentionMatchesExplicitComputation(t *testing.T) {
	all := func(i, j int) bool { return true }
	causal := func(i, j int) bool { return j <= i }
	m := withRandomBiases(NewMultiHeadAttention(NewRngs(1), 8, 8, 2), 10)
	x := randn(2, 2, 5, 8)
	for _, tc := range []struct {
		name    string
		causal  bool
		allowed func(i, j int) bool
	}{{"self", false, all}, {"causal self", true, causal}} {
		y := m.Forward(x, x, nil, tc.causal)
		assertShape(t, tc.name, y, 2, 5, 8)
		for b := 0; b < 2; b++ {
			assertClose(t, tc.name, y.Data()[b*40:(b+1)*40], asFloat32(referenceAttention(m, x, x, b, tc.allowed)), 1e-4, 1e-5)
		}
	}

	cross := withRandomBiases(NewMultiHeadAttention(NewRngs(2), 8, 6, 4), 20)
	q, ctx := randn(3, 2, 3, 8), randn(4, 2, 7, 6)
	mask := tensor.FromSlice([]float32{
		1, 1, 0, 0, 1, 0, 0,
		0, 0, 0, 0, 0, 0, 1,
		1, 1, 1, 1, 1, 1, 1,
	}, 3, 7)
	y := cross.Forward(q, ctx, mask, false)
	assertShape(t, "cross", y, 2, 3, 8)
	masked := func(i, j int) bool { return mask.At(i, j) == 1 }
	for b := 0; b < 2; b++ {
		assertClose(t, "masked cross", y.Data()[b*24:(b+1)*24], asFloat32(referenceAttention(cross, q, ctx, b, masked)), 1e-4, 1e-5)
	}
	mustPanic(t, "bad rank", "MultiHeadAttention", func() { m.Forward(randn(1, 5, 8), randn(1, 5, 8), nil, false) })
	mustPanic(t, "indivisible heads", "not divisible", func() { NewMultiHeadAttention(NewRngs(1), 8, 8, 3) })
}

func TestMultiHeadAttentionGradients(t *testing.T) {
	m := withRandomBiases(NewMultiHeadAttention(NewRngs(1), 4, 6, 2), 10)
	q, ctx := randn(2, 2, 3, 4), randn(3, 2, 4, 6)
	wrt := append(withInput(q, m), Param{Name: "context", Tensor: ctx})
	checkGradients(t, "cross attention", func() *tensor.Tensor { return m.Forward(q, ctx, nil, false) }, wrt)
	self := withRandomBiases(NewMultiHeadAttention(NewRngs(2), 4, 4, 2), 20)
	checkGradients(t, "causal self-attention", func() *tensor.Tensor { return self.Forward(q, q, nil, true) }, withInput(q, self))
}

// rows returns positions [from, to) of x [B, L, E] as [B, to-from, E].
func rows(x *tensor.Tensor, from, to int) *tensor.Tensor {
	return tensor.Slice(x, 1, from, to, 1)
}

func TestForwardCachedOneTokenAtATimeEqualsFullCausalForward(t *testing.T) {
	m := withRandomBiases(NewMultiHeadAttention(NewRngs(1), 8, 8, 2), 10)
	x := randn(2, 2, 6, 8)
	full := m.Forward(x, x, nil, true)
	var cache KVCache
	for p := 0; p < 6; p++ {
		y := m.ForwardCached(rows(x, p, p+1), &cache)
		assertShape(t, "step", y, 2, 1, 8)
		assertClose(t, "token "+string(rune('0'+p)), y.Data(), rows(full, p, p+1).Clone().Data(), 1e-4, 1e-5)
		if cache.Len() != p+1 {
			t.Fatalf("cache holds %d positions after %d steps", cache.Len(), p+1)
		}
	}
	assertShape(t, "cached keys", cache.K, 2, 2, 6, 4)
}

func TestForwardCachedChunkAfterPrefixEqualsFullCausalForward(t *testing.T) {
	m := withRandomBiases(NewMultiHeadAttention(NewRngs(1), 8, 8, 4), 10)
	x := randn(2, 2, 7, 8)
	full := m.Forward(x, x, nil, true)
	var cache KVCache
	prefix := m.ForwardCached(rows(x, 0, 3), &cache)
	assertClose(t, "prefix", prefix.Data(), rows(full, 0, 3).Clone().Data(), 1e-4, 1e-5)
	chunk := m.ForwardCached(rows(x, 3, 6), &cache)
	assertClose(t, "chunk of 3 after a prefix of 3", chunk.Data(), rows(full, 3, 6).Clone().Data(), 1e-4, 1e-5)
	last := m.ForwardCached(rows(x, 6, 7), &cache)
	assertClose(t, "one more token", last.Data(), rows(full, 6, 7).Clone().Data(), 1e-4, 1e-5)
}

func TestTransformerBlockShapesWithAndWithoutCrossAttention(t *testing.T) {
	rngs := NewRngs(1)
	x, ctx := randn(1, 2, 5, 8), randn(2, 2, 3, 6)
	plain := NewTransformerBlock(rngs, 8, 2, 32, 0, 0)
	if plain.Cross != nil || plain.NormCross != nil {
		t.Fatal("block without cross-attention has a cross-attention layer")
	}
	assertShape(t, "self", plain.Forward(x, nil, false), 2, 5, 8)
	cross := NewTransformerBlock(rngs, 8, 2, 32, 6, 0)
	y := cross.Forward(x, ctx, false)
	assertShape(t, "cross", y, 2, 5, 8)
	other := cross.Forward(x, randn(3, 2, 3, 6), false)
	if tensor.MaxAxes(tensor.Abs(tensor.Sub(y, other)), []int{0, 1, 2}, false).Item() == 0 {
		t.Error("the cross-attention block ignores its context")
	}
	mustPanic(t, "cross block without context", "context", func() { cross.Forward(x, nil, false) })
	mustPanic(t, "context for a block without cross-attention", "context", func() { plain.Forward(x, ctx, false) })
}

func TestTransformerBlockCausalOutputIgnoresLaterPositions(t *testing.T) {
	b := NewTransformerBlock(NewRngs(1), 8, 2, 16, 0, 0)
	x := randn(1, 1, 6, 8)
	y := b.Forward(x, nil, true)
	x2 := x.Clone()
	for i := 4 * 8; i < 6*8; i++ {
		x2.Data()[i] += 1
	}
	y2 := b.Forward(x2, nil, true)
	assertClose(t, "positions before the change", rows(y2, 0, 4).Clone().Data(), rows(y, 0, 4).Clone().Data(), 0, 0)
}

func TestTransformerBlockForwardCachedEqualsCausalForward(t *testing.T) {
	for _, crossDim := range []int{0, 6} {
		b := NewTransformerBlock(NewRngs(1), 8, 2, 16, crossDim, 0)
		x := randn(1, 2, 5, 8)
		var ctx *tensor.Tensor
		if crossDim > 0 {
			ctx = randn(2, 2, 3, crossDim)
		}
		full := b.Forward(x, ctx, true)
		var cache KVCache
		first := b.ForwardCached(rows(x, 0, 2), ctx, &cache)
		assertClose(t, "prefix", first.Data(), rows(full, 0, 2).Clone().Data(), 1e-4, 1e-5)
		for p := 2; p < 5; p++ {
			assertClose(t, "step", b.ForwardCached(rows(x, p, p+1), ctx, &cache).Data(), rows(full, p, p+1).Clone().Data(), 1e-4, 1e-5)
		}
	}
}

func TestTransformerBlockGradients(t *testing.T) {
	b := NewTransformerBlock(NewRngs(1), 4, 2, 8, 3, 0)
	for _, l := range []*LayerNorm{b.Norm1, b.Norm2, b.NormCross} {
		l.Weight, l.Bias = param(shifted(5, 4)), param(randn(6, 4))
	}
	x, ctx := randn(2, 1, 3, 4), randn(3, 1, 2, 3)
	wrt := append(withInput(x, b), Param{Name: "context", Tensor: ctx})
	checkGradients(t, "TransformerBlock", func() *tensor.Tensor { return b.Forward(x, ctx, true) }, wrt)
}

func TestTransformerBlockDropoutOnlyInTraining(t *testing.T) {
	b := NewTransformerBlock(NewRngs(1), 8, 2, 16, 0, 0.5)
	x := randn(1, 1, 4, 8)
	if d := tensor.Sub(b.Forward(x, nil, false), b.Forward(x, nil, false)); tensor.MaxAxes(tensor.Abs(d), []int{0, 1, 2}, false).Item() == 0 {
		t.Error("dropout 0.5 in training gave two identical passes")
	}
	SetTraining(b, false)
	assertClose(t, "eval is deterministic", b.Forward(x, nil, false).Data(), b.Forward(x, nil, false).Data(), 0, 0)
}
