package tensor

import (
	"math"
	"strings"
	"testing"
)

func TestLossGradients(t *testing.T) {
	pred, target := randn(1, 3, 4), randn(2, 3, 4)
	checkGrad(t, "MSE", func(xs []*Tensor) *Tensor { return MSE(xs[0], xs[1]) }, pred, target)
	checkGrad(t, "L1", func(xs []*Tensor) *Tensor { return L1(xs[0], xs[1]) }, pred, target)
	checkGrad(t, "Huber", func(xs []*Tensor) *Tensor { return Huber(xs[0], xs[1], 0.7) }, pred, target)
	probs := Sigmoid(randn(3, 3, 4))
	checkGrad(t, "BCEWithLogits", func(xs []*Tensor) *Tensor { return BCEWithLogits(xs[0], xs[1]) }, randn(4, 3, 4), probs)
	labels := []int{0, 3, 1}
	checkGrad(t, "CrossEntropy", func(xs []*Tensor) *Tensor { return CrossEntropy(xs[0], labels) }, randn(5, 3, 4))
	soft := Softmax(randn(6, 3, 4), -1)
	checkGrad(t, "CrossEntropySoft", func(xs []*Tensor) *Tensor { return CrossEntropySoft(xs[0], xs[1]) }, randn(7, 3, 4), soft)
	checkGrad(t, "KLDiagGaussians", func(xs []*Tensor) *Tensor { return KLDiagGaussians(xs[0], xs[1], xs[2], xs[3]) },
		randn(8, 3, 4), randn(9, 3, 4), randn(10, 4), randn(11, 1, 4))
	checkGrad(t, "KLStandardNormal", func(xs []*Tensor) *Tensor { return KLStandardNormal(xs[0], xs[1]) }, randn(12, 2, 3), randn(13, 2, 3))
}

func TestLossValues(t *testing.T) {
	p := FromSlice([]float32{0, 2, -3})
	y := FromSlice([]float32{0.5, 0, 0})
	cases := []struct {
		name string
		got  *Tensor
		want []float64
	}{
		{"MSE", MSE(p, y), []float64{0.25, 4, 9}},
		{"L1", L1(p, y), []float64{0.5, 2, 3}},
		{"Huber", Huber(p, y, 1), []float64{0.125, 1.5, 2.5}},
		// -(t log σ(x) + (1-t) log(1-σ(x)))
		{"BCEWithLogits", BCEWithLogits(p, FromSlice([]float32{1, 0, 0.25})), []float64{math.Ln2, 2.1269280110, 0.7985873516}},
		{"CrossEntropy", CrossEntropy(FromSlice([]float32{1, 2, 3, 0, 0, 0}, 2, 3), []int{2, 0}), []float64{0.4076059644, math.Log(3)}},
		{"CrossEntropySoft", CrossEntropySoft(FromSlice([]float32{1, 2, 3}, 1, 3), FromSlice([]float32{0.5, 0, 0.5}, 1, 3)), []float64{0.5*2.4076059644 + 0.5*0.4076059644}},
		// KL(N(1, e^0.5) ‖ N(0, e^-0.5)) = (-0.5 - 0.5 + (e^0.5 + 1)·e^0.5 - 1)/2
		{"KLDiagGaussians", KLDiagGaussians(Scalar(1), Scalar(0.5), Scalar(0), Scalar(-0.5)), []float64{(-1 + (math.Exp(0.5)+1)*math.Exp(0.5) - 1) / 2}},
		{"KLStandardNormal", KLStandardNormal(FromSlice([]float32{0, 1}), FromSlice([]float32{0, 0.5})), []float64{0, -0.5 * (1 + 0.5 - 1 - math.Exp(0.5))}},
	}
	for _, c := range cases {
		for i, w := range c.want {
			if g := float64(c.got.data[i]); math.Abs(g-w) > 2e-6*math.Max(1, math.Abs(w)) {
				t.Errorf("%s[%d] = %.8g, want %.8g", c.name, i, g, w)
			}
		}
	}
}

func TestLossesAreFiniteAndCorrectForExtremeLogits(t *testing.T) {
	x := FromSlice([]float32{100, -100, 100, -100}).SetRequiresGrad(true)
	tg := FromSlice([]float32{1, 0, 0, 1})
	bce := BCEWithLogits(x, tg)
	want := []float32{0, 0, 100, 100}
	for i, w := range want {
		if v := bce.data[i]; math.Abs(float64(v-w)) > 1e-6*math.Max(1, float64(w)) {
			t.Errorf("BCEWithLogits(%g, %g) = %g, want %g", x.data[i], tg.data[i], v, w)
		}
	}
	Sum(bce).Backward()
	// The gradient sigmoid(x) - target; sigmoid(-100) = e^-100 is a float32
	// denormal, which must be right to its last bit.
	if g := x.Grad().Data(); g[0] != 0 || math.Abs(float64(g[1])-math.Exp(-100)) > 0x1p-150 || g[2] != 1 || g[3] != -1 {
		t.Errorf("BCEWithLogits gradient = %v, want [0 %g 1 -1]", g, math.Exp(-100))
	}
	logits := FromSlice([]float32{100, -100, 0, -100, 100, 100}, 2, 3).SetRequiresGrad(true)
	ce := CrossEntropy(logits, []int{1, 0})
	if v := ce.Data(); math.Abs(float64(v[0])-200) > 1e-3 || math.Abs(float64(v[1])-(200+math.Ln2)) > 1e-3 {
		t.Errorf("CrossEntropy = %v, want [200 %g]", v, 200+math.Ln2)
	}
	Sum(ce).Backward()
	for _, g := range logits.Grad().Data() {
		if math.IsNaN(float64(g)) || math.IsInf(float64(g), 0) {
			t.Fatalf("CrossEntropy gradient not finite: %v", logits.Grad().Data())
		}
	}
}

func TestLossShapeAndLabelErrors(t *testing.T) {
	for want, f := range map[string]func(){
		"MSE: prediction shape [4 1] and target shape [4] differ": func() { MSE(Zeros(4, 1), Zeros(4)) },
		"CrossEntropy: label 3 of row 1 out of range [0, 3)":      func() { CrossEntropy(Zeros(2, 3), []int{0, 3}) },
		"CrossEntropy: label -1 of row 0":                         func() { CrossEntropy(Zeros(2, 3), []int{-1, 0}) },
		"CrossEntropy: logits of shape [2 3] need shape [N, C]":   func() { CrossEntropy(Zeros(2, 3), []int{0}) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), want) {
					t.Errorf("panic = %v, want it to contain %q", r, want)
				}
			}()
			f()
		}()
	}
}
