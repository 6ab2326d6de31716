package nn

import (
	"math"
	"testing"

	"github.com/artifex-go/artifex/internal/goldentest"
	"github.com/artifex-go/artifex/tensor"
)

func TestRoPEMatchesPyTorch(t *testing.T) {
	file := goldentest.Load[struct {
		Cases []goldenCase `json:"cases"`
	}](t, "testdata/golden_rope.json")
	if len(file.Cases) != 3 {
		t.Fatalf("%d cases, want 3", len(file.Cases))
	}
	for _, c := range file.Cases {
		var p struct {
			Start int     `json:"start"`
			Base  float64 `json:"base"`
		}
		params(t, c, &p)
		x := leaf(c, "x")
		r := NewRoPE(x.Dim(x.NDim()-1), p.Start+x.Dim(x.NDim()-2)+3, p.Base)
		checkGolden(t, c, func() *tensor.Tensor { return r.Rotate(x, p.Start) }, func() map[string][]float32 {
			return map[string][]float32{"x": gradOf(x)}
		})
	}
}

func TestRoPEGradients(t *testing.T) {
	r := NewRoPE(6, 10, RoPEBase)
	x := randn(1, 2, 3, 4, 6)
	checkGradients(t, "rope", func() *tensor.Tensor { return r.Rotate(x, 5) }, []Param{{Name: "x", Tensor: x}})
}

// TestRoPEScoresDependOnlyOnTheOffset checks what makes RoPE a relative
// encoding: rotating queries and keys to positions shifted by the same
// amount leaves every score q_m·k_n unchanged, and a rotation keeps
// vectors' lengths.
func TestRoPEScoresDependOnlyOnTheOffset(t *testing.T) {
	r := NewRoPE(8, 64, RoPEBase)
	q, k := randn(1, 1, 2, 6, 8), randn(2, 1, 2, 6, 8)
	scores := func(shift int) []float32 {
		return tensor.MatMulT(r.Rotate(q, shift), r.Rotate(k, shift), false, true).Data()
	}
	at0 := scores(0)
	for _, shift := range []int{1, 7, 40, 58} {
		assertClose(t, "scores shifted", scores(shift), at0, 1e-4, 1e-5)
	}
	// Not a vacuous check: the scores do change with the offset.
	if diff := maxAbsDiff(tensor.MatMulT(q, k, false, true).Data(), at0); diff < 0.1 {
		t.Errorf("rotated and unrotated scores differ by at most %g: the rotation does nothing", diff)
	}
	norm := func(x *tensor.Tensor) float64 {
		s := 0.0
		for _, v := range x.Data() {
			s += float64(v) * float64(v)
		}
		return s
	}
	if a, b := norm(q), norm(r.Rotate(q, 13)); math.Abs(a-b) > 1e-4*a {
		t.Errorf("|q|² %g becomes %g after the rotation", a, b)
	}
	mustPanic(t, "past the table", "outside", func() { r.Rotate(q, 60) })
	mustPanic(t, "odd width", "even", func() { NewRoPE(7, 4, RoPEBase) })
}

func TestRotaryAttentionCachedEqualsFullCausalForward(t *testing.T) {
	m := withRandomBiases(NewMultiHeadAttention(NewRngs(1), 8, 8, 2), 10)
	m.Rotary = NewRoPE(4, 16, RoPEBase)
	x := randn(2, 2, 7, 8)
	full := m.Forward(x, x, nil, true)
	plain := *m
	plain.Rotary = nil
	if diff := maxAbsDiff(plain.Forward(x, x, nil, true).Data(), full.Data()); diff < 1e-3 {
		t.Errorf("the rotary embedding changes the attention's output by at most %g", diff)
	}
	var cache KVCache
	prefix := m.ForwardCached(rows(x, 0, 3), &cache)
	assertClose(t, "prefix", prefix.Data(), rows(full, 0, 3).Clone().Data(), 1e-4, 1e-5)
	for p := 3; p < 7; p++ {
		y := m.ForwardCached(rows(x, p, p+1), &cache)
		assertClose(t, "one token", y.Data(), rows(full, p, p+1).Clone().Data(), 1e-4, 1e-5)
	}
	checkGradients(t, "rotary self-attention", func() *tensor.Tensor { return m.Forward(x, x, nil, true) }, withInput(x, m))
}

func maxAbsDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}
