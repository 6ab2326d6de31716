package tensor

import (
	"math"
	"runtime"
	"strings"
	"testing"
	"time"
)

// collected reports whether the storage of t becomes garbage once the
// caller has dropped t: it attaches a cleanup to the storage and collects.
func watch(t *Tensor) <-chan struct{} {
	done := make(chan struct{})
	runtime.AddCleanup(&t.data[0], func(ch chan struct{}) { close(ch) }, done)
	return done
}

func freedWithin(ch <-chan struct{}) bool {
	for range 20 {
		runtime.GC()
		select {
		case <-ch:
			return true
		case <-time.After(5 * time.Millisecond):
		}
	}
	return false
}

// The graph keeps only what backward rules read: Add keeps no values and
// Scale none, so their results are garbage once the program drops them,
// before Backward; Softmax keeps its output, which Backward then uses.
func TestTheGraphKeepsOnlyWhatBackwardReads(t *testing.T) {
	x := randn(1, 4, 8).SetRequiresGrad(true)
	a := Scale(x, 2)
	b := Add(a, Full(1, 8))
	aGone, bGone := watch(a), watch(b)
	y := Softmax(b, -1)
	kept := watch(y)
	w := randn(2, 4, 8)
	loss := Sum(Mul(y, w))
	a, b = nil, nil
	if !freedWithin(aGone) || !freedWithin(bGone) {
		t.Fatal("the inputs of Add and Softmax are still held by the graph before Backward")
	}
	y = nil
	if freedWithin(kept) {
		t.Fatal("Softmax's output, which its backward rule reads, was collected before Backward")
	}
	loss.Backward()
	// d/dx Σ w·softmax(2x+1) = 2·s·(w - Σ w·s)
	NoGrad(func() {
		s := Softmax(AddScalar(Scale(x, 2), 1), -1)
		want := Scale(Mul(s, Sub(w, SumAxes(Mul(w, s), []int{-1}, true))), 2)
		for i, v := range want.data {
			if math.Abs(float64(v-x.Grad().data[i])) > 1e-6 {
				t.Fatalf("gradient[%d] = %g, want %g", i, x.Grad().data[i], v)
			}
		}
	})
}

// A gradient summed from several uses is added in place, and the sum
// never changes a gradient that a backward rule passed on to two inputs.
func TestGradientsSummedInPlaceStayCorrect(t *testing.T) {
	x := randn(3, 5).SetRequiresGrad(true)
	h := Add(x, x) // Add passes its gradient on to both inputs unchanged
	loss := Sum(Add(Add(Mul(h, h), h), Scale(h, 3)))
	loss.Backward()
	for i, v := range x.data {
		want := 2 * (2*(2*v) + 1 + 3) // d/dx of h² + h + 3h with h = 2x
		if math.Abs(float64(x.Grad().data[i]-want)) > 1e-5 {
			t.Fatalf("grad[%d] = %g, want %g", i, x.Grad().data[i], want)
		}
	}
	h = Add(x, x) // Backward freed the first graph
	g := Grad([]*Tensor{Sum(Mul(h, h)), Sum(h)}, []*Tensor{h, x}, false)
	for i, v := range h.data {
		if g[0].data[i] != 2*v+1 || g[1].data[i] != 2*(2*v+1) {
			t.Fatalf("Grad through a shared root at %d: %g, %g; want %g, %g", i, g[0].data[i], g[1].data[i], 2*v+1, 2*(2*v+1))
		}
	}
}

func layerNormComposite(x, w, b *Tensor, axes []int) *Tensor {
	xc := Sub(x, MeanAxes(x, axes, true))
	y := Mul(Mul(xc, Rsqrt(AddScalar(MeanAxes(Square(xc), axes, true), 1e-5))), w)
	if b != nil {
		y = Add(y, b)
	}
	return y
}

func TestLayerNormMatchesItsFormulaAndGradients(t *testing.T) {
	x, w, b := randn(4, 3, 2, 5), randn(5, 2, 5), randn(6, 2, 5)
	got := LayerNorm(x, w, b, 1e-5)
	want := layerNormComposite(x, w, b, []int{1, 2})
	for i := range want.data {
		if math.Abs(float64(got.data[i]-want.data[i])) > 1e-5 {
			t.Fatalf("LayerNorm[%d] = %g, want %g", i, got.data[i], want.data[i])
		}
	}
	// Rows longer than a vector and not a multiple of one, off zero.
	x2, w2, b2 := AddScalar(randn(21, 4, 133), 3), randn(22, 133), randn(23, 133)
	got, want = LayerNorm(x2, w2, b2, 1e-5), layerNormComposite(x2, w2, b2, []int{1})
	for i := range want.data {
		if math.Abs(float64(got.data[i]-want.data[i])) > 2e-5 {
			t.Fatalf("LayerNorm of 133-wide rows [%d] = %g, want %g", i, got.data[i], want.data[i])
		}
	}
	// The fused backward pass against the composed formula's, on those rows.
	gy := randn(24, 4, 133)
	grads := func(f func(x, w, b *Tensor) *Tensor) []*Tensor {
		xs := []*Tensor{x2.Detach().SetRequiresGrad(true), w2.Detach().SetRequiresGrad(true), b2.Detach().SetRequiresGrad(true)}
		Sum(Mul(f(xs[0], xs[1], xs[2]), gy)).Backward()
		return []*Tensor{xs[0].Grad(), xs[1].Grad(), xs[2].Grad()}
	}
	fused := grads(func(x, w, b *Tensor) *Tensor { return LayerNorm(x, w, b, 1e-5) })
	composed := grads(func(x, w, b *Tensor) *Tensor { return layerNormComposite(x, w, b, []int{1}) })
	for k, name := range []string{"x", "weight", "bias"} {
		for i, v := range composed[k].data {
			if d := math.Abs(float64(fused[k].data[i] - v)); d > 1e-4*(1+math.Abs(float64(v))) {
				t.Fatalf("LayerNorm's gradient for %s[%d] = %g, the composed formula's %g", name, i, fused[k].data[i], v)
			}
		}
	}
	checkGrad(t, "LayerNorm", func(xs []*Tensor) *Tensor { return LayerNorm(xs[0], xs[1], xs[2], 1e-5) }, x, w, b)
	checkGrad(t, "LayerNorm without bias", func(xs []*Tensor) *Tensor { return LayerNorm(xs[0], xs[1], nil, 1e-5) }, randn(7, 4, 6), randn(8, 6))
	lw := randn(9, 6)
	checkSecondOrderFD(t, "LayerNorm", func(x *Tensor) *Tensor { return LayerNorm(x, lw, nil, 1e-5) }, randn(10, 3, 6))
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "LayerNorm") {
			t.Errorf("a weight that does not match the trailing axes: %v", r)
		}
	}()
	LayerNorm(randn(1, 3, 4), randn(2, 3), nil, 1e-5)
}

func TestScaledDotProductAttentionSecondOrder(t *testing.T) {
	k, v := randn(11, 2, 4, 3), randn(12, 2, 4, 3)
	checkSecondOrderFD(t, "ScaledDotProductAttention", func(q *Tensor) *Tensor {
		return ScaledDotProductAttention(q, k, v, nil, true)
	}, randn(13, 2, 4, 3))
}

// Dropout draws the mask BernoulliP draws and gives the values and
// gradients of multiplying by it, keeping it as bits.
func TestDropoutMatchesAScaledBernoulliMask(t *testing.T) {
	x := randn(1, 3, 70).SetRequiresGrad(true)
	w := randn(2, 3, 70)
	y := Dropout(x, 0.3, NewRngs(4).Dropout())
	Sum(Mul(y, w)).Backward()
	mask := Scale(NewRngs(4).Dropout().BernoulliP(0.7, 3, 70), 1/float32(0.7))
	want := Mul(x.Detach(), mask)
	for i := range want.data {
		if y.data[i] != want.data[i] || x.Grad().data[i] != w.data[i]*mask.data[i] {
			t.Fatalf("at %d: dropout %g (grad %g), want %g (grad %g)", i, y.data[i], x.Grad().data[i], want.data[i], w.data[i]*mask.data[i])
		}
	}
	checkGrad(t, "Dropout", func(xs []*Tensor) *Tensor { return Dropout(xs[0], 0.5, NewRngs(5).Dropout()) }, randn(3, 4, 5))
}

func TestAffineGivesMatMulPlusBiasWithItsGradients(t *testing.T) {
	checkGrad(t, "Affine", func(xs []*Tensor) *Tensor { return Affine(xs[0], xs[1], xs[2]) }, randn(1, 4, 3), randn(2, 3, 5), randn(3, 5))
	checkGrad(t, "Affine without bias", func(xs []*Tensor) *Tensor { return Affine(xs[0], xs[1], nil) }, randn(4, 4, 3), randn(5, 3, 5))
	w, b := randn(6, 3, 2), randn(7, 2)
	checkSecondOrderFD(t, "Affine", func(x *Tensor) *Tensor { return Sigmoid(Affine(x, w, b)) }, randn(8, 2, 3))
	x := randn(9, 6, 3)
	var got, want *Tensor
	NoGrad(func() { got, want = Affine(x, w, b), Add(MatMul(x, w), b) })
	for i := range want.data {
		if got.data[i] != want.data[i] {
			t.Fatalf("Affine[%d] = %g, want x·w + b = %g", i, got.data[i], want.data[i])
		}
	}
}

func TestMatMulActGradients(t *testing.T) {
	for name, act := range map[string]func(*Tensor) *Tensor{"GELU": GELU, "Tanh": Tanh} {
		checkGrad(t, "MatMulAct "+name, func(xs []*Tensor) *Tensor { return MatMulAct(act, xs[0], xs[1]) }, randn(1, 4, 3), randn(2, 3, 5))
		w := randn(3, 3, 2)
		checkSecondOrderFD(t, "MatMulAct "+name, func(x *Tensor) *Tensor { return MatMulAct(act, x, w) }, randn(4, 2, 3))
		var got, want *Tensor
		NoGrad(func() { got, want = MatMulAct(act, w, randn(5, 2, 4)), MatMul(act(w), randn(5, 2, 4)) })
		for i := range want.data {
			if got.data[i] != want.data[i] {
				t.Fatalf("%s: MatMulAct[%d] = %g, want act(x)·w = %g", name, i, got.data[i], want.data[i])
			}
		}
	}
	for name, act := range map[string]func(*Tensor) *Tensor{"GELU": GELU, "Tanh": Tanh} {
		checkGrad(t, "AffineAct "+name, func(xs []*Tensor) *Tensor { return AffineAct(act, xs[0], xs[1], xs[2]) }, randn(11, 4, 3), randn(12, 3, 5), randn(13, 5))
		w, b := randn(14, 3, 2), randn(15, 2)
		checkSecondOrderFD(t, "AffineAct "+name, func(x *Tensor) *Tensor { return AffineAct(act, x, w, b) }, randn(16, 2, 3))
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "one op of x") {
			t.Errorf("a composite act: %v", r)
		}
	}()
	x := randn(6, 2, 3).SetRequiresGrad(true)
	Sum(MatMulAct(func(x *Tensor) *Tensor { return Tanh(Scale(x, 2)) }, x, randn(7, 3, 2))).Backward()
}

// below decides as the stream's Float32 < p does, draw for draw, and
// leaves the source where Float32 would.
func TestStreamBelowDecidesAsFloat32(t *testing.T) {
	for _, p := range []float32{0, 1e-7, 0.3, 0.5, 0.7, 0.9999999, 1} {
		a, b := NewRngs(9).Dropout(), NewRngs(9).Dropout()
		for i := range 100000 {
			if got, want := a.below(p), b.rng.Float32() < p; got != want {
				t.Fatalf("p=%g, draw %d: below %v, Float32 < p %v", p, i, got, want)
			}
		}
		if a.src.Uint64() != b.src.Uint64() {
			t.Fatalf("p=%g: the sources moved apart", p)
		}
	}
}
