package tensor

import (
	"math"
	"testing"
)

// composedBatchNorm is BatchNorm written with elementwise ops, the
// reference the fused op must agree with.
func composedBatchNorm(x, w, b *Tensor, eps float32) *Tensor {
	axes := []int{0}
	for i := 2; i < x.NDim(); i++ {
		axes = append(axes, i)
	}
	cs := make([]int, x.NDim())
	for i := range cs {
		cs[i] = 1
	}
	cs[1] = x.Dim(1)
	xc, r := centred(x, axes, eps)
	return Add(Mul(Mul(xc, r), Reshape(w, cs...)), Reshape(b, cs...))
}

func TestBatchNormMatchesTheComposedFormulaAndItsGradients(t *testing.T) {
	x, w, b := Scale(AddScalar(randn(1, 6, 3, 5, 7), 2), 3), randn(2, 3), randn(3, 3)
	got, mean, v := BatchNorm(x, w, b, 1e-5)
	want := composedBatchNorm(x, w, b, 1e-5)
	for i := range want.data {
		if d := math.Abs(float64(got.data[i] - want.data[i])); d > 2e-5*(1+math.Abs(float64(want.data[i]))) {
			t.Fatalf("BatchNorm[%d] = %g, the composed formula %g", i, got.data[i], want.data[i])
		}
	}
	wantMean := MeanAxes(x, []int{0, 2, 3}, false)
	wantVar := Var(x, []int{0, 2, 3}, false, false)
	for c := range mean {
		if math.Abs(float64(mean[c]-wantMean.data[c])) > 1e-4 || math.Abs(float64(v[c]-wantVar.data[c])) > 1e-3*float64(wantVar.data[c]) {
			t.Errorf("channel %d: mean %g, variance %g; want %g, %g", c, mean[c], v[c], wantMean.data[c], wantVar.data[c])
		}
	}
	bn := func(xs []*Tensor) *Tensor { out, _, _ := BatchNorm(xs[0], xs[1], xs[2], 1e-5); return Mul(out, out) }
	checkGrad(t, "BatchNorm", bn, randn(4, 4, 2, 3, 3), randn(5, 2), randn(6, 2))
	w2, b2 := randn(7, 2), randn(8, 2)
	checkSecondOrderFD(t, "BatchNorm", func(x *Tensor) *Tensor {
		out, _, _ := BatchNorm(x, w2, b2, 1e-5)
		return Sigmoid(out)
	}, randn(9, 3, 2, 2, 2))
}
