package tensor

import (
	"math"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/internal/goldentest"
)

// groupNormComposed is GroupNorm (and SiLU) written with the elementary
// ops, the reference the fused op must equal.
func groupNormComposed(x, w, b *Tensor, groups int, eps float32, silu bool) *Tensor {
	n, c := x.Dim(0), x.Dim(1)
	xr := Reshape(x, n, groups, -1)
	xc := Sub(xr, MeanAxes(xr, []int{-1}, true))
	v := MeanAxes(Square(xc), []int{-1}, true)
	y := Reshape(Mul(xc, Rsqrt(AddScalar(v, eps))), x.Shape()...)
	cs := []int{1, c, 1, 1}[:x.NDim()]
	y = Add(Mul(y, Reshape(w, cs...)), Reshape(b, cs...))
	if silu {
		y = SiLU(y)
	}
	return y
}

func closeTo(t *testing.T, what string, got, want *Tensor, tol float64) {
	t.Helper()
	if !SameShape(got.Shape(), want.Shape()) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape(), want.Shape())
	}
	for i := range want.data {
		if d := math.Abs(float64(got.data[i] - want.data[i])); d > tol*math.Max(1, math.Abs(float64(want.data[i]))) {
			t.Fatalf("%s[%d] = %v, want %v", what, i, got.data[i], want.data[i])
		}
	}
}

func TestGroupNormEqualsItsComposition(t *testing.T) {
	for _, silu := range []bool{false, true} {
		for _, shape := range [][]int{{3, 6, 4, 5}, {2, 4, 7}, {2, 8}} {
			x := Add(Scale(randn(1, shape...), 3), Full(2, shape...)) // off-centre, as activations are
			w, b := randn(2, shape[1]), randn(3, shape[1])
			proj := randn(4, shape...)
			run := func(f func(x, w, b *Tensor) *Tensor) (*Tensor, []*Tensor) {
				in := []*Tensor{x.Detach().SetRequiresGrad(true), w.Detach().SetRequiresGrad(true), b.Detach().SetRequiresGrad(true)}
				y := f(in[0], in[1], in[2])
				Sum(Mul(y, proj)).Backward()
				return y, []*Tensor{in[0].Grad(), in[1].Grad(), in[2].Grad()}
			}
			fused := GroupNorm
			if silu {
				fused = GroupNormSiLU
			}
			y, gs := run(func(x, w, b *Tensor) *Tensor { return fused(x, w, b, 2, 1e-5) })
			yRef, gRef := run(func(x, w, b *Tensor) *Tensor { return groupNormComposed(x, w, b, 2, 1e-5, silu) })
			closeTo(t, "output", y, yRef, 1e-5)
			for i, name := range []string{"dx", "dweight", "dbias"} {
				closeTo(t, name, gs[i], gRef[i], 1e-4)
			}
		}
	}
}

func TestGroupNormGradientsMatchFiniteDifferences(t *testing.T) {
	checkGrad(t, "GroupNorm", func(xs []*Tensor) *Tensor { return GroupNorm(xs[0], xs[1], xs[2], 2, 1e-5) },
		randn(5, 2, 4, 3, 2), randn(6, 4), randn(7, 4))
	checkGrad(t, "GroupNormSiLU", func(xs []*Tensor) *Tensor { return GroupNormSiLU(xs[0], xs[1], xs[2], 2, 1e-5) },
		randn(8, 2, 4, 3, 2), randn(9, 4), randn(10, 4))
}

func TestGroupNormSecondOrder(t *testing.T) {
	w, b := randn(11, 4), randn(12, 4)
	checkSecondOrderFD(t, "GroupNormSiLU", func(x *Tensor) *Tensor { return GroupNormSiLU(x, w, b, 2, 1e-5) }, randn(13, 2, 4, 3))
	checkSecondOrderFD(t, "GroupNorm", func(x *Tensor) *Tensor { return GroupNorm(x, w, b, 4, 1e-5) }, randn(14, 2, 4, 3))
}

func TestGroupNormNormalisesEachGroup(t *testing.T) {
	// One example, two groups of one channel: [1 2 3 4] and [10 10 10 14].
	x := FromSlice([]float32{1, 2, 3, 4, 10, 10, 10, 14}, 1, 2, 4)
	y := GroupNorm(x, Ones(2), Zeros(2), 2, 0)
	s5 := float32(math.Sqrt(5)) // the std of 1..4 is √1.25 = √5/2
	want := []float32{-3 / s5, -1 / s5, 1 / s5, 3 / s5, -1 / float32(math.Sqrt(3)), -1 / float32(math.Sqrt(3)), -1 / float32(math.Sqrt(3)), float32(math.Sqrt(3))}
	closeTo(t, "GroupNorm", y, FromSlice(want, 1, 2, 4), 1e-5)
}

func TestGroupNormRejectsBadShapes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		f       func()
		message string
	}{
		{"groups", func() { GroupNorm(Zeros(1, 6, 2), Ones(6), Zeros(6), 4, 1e-5) }, "6 channels are not divisible into 4 groups"},
		{"weight", func() { GroupNormSiLU(Zeros(1, 6, 2), Ones(3), Zeros(6), 3, 1e-5) }, "must both be [6]"},
		{"rank", func() { GroupNorm(Zeros(6), Ones(6), Zeros(6), 3, 1e-5) }, "want [N, C, ...]"},
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(r.(string), tc.message) {
					t.Errorf("%s: panic %v, want %q", tc.name, r, tc.message)
				}
			}()
			tc.f()
		}()
	}
}

func TestGroupNormKeepsPrecisionFarFromZero(t *testing.T) {
	// Values 1000 ± 0.01: the variance is ten orders of magnitude below
	// the squared mean, where a float32 E[x²] − E[x]² would be noise. The
	// float32 mean itself is only good to 3e-5, 0.3 % of a deviation.
	x := Add(Scale(randn(15, 2, 4, 50), 0.01), Full(1000, 2, 4, 50))
	y := GroupNorm(x, Ones(4), Zeros(4), 2, 0)
	for g := range 4 {
		var s, q float64
		for _, v := range y.data[g*100 : (g+1)*100] {
			s += float64(v)
			q += float64(v) * float64(v)
		}
		if math.Abs(s/100) > 1e-2 || math.Abs(q/100-1) > 1e-2 {
			t.Errorf("group %d: mean %v, variance %v after normalising; want 0 and 1", g, s/100, q/100-s*s/1e4)
		}
	}
}

func TestGroupNormAgainstPyTorch(t *testing.T) {
	file := goldentest.Load[struct {
		Cases []goldenOpCase `json:"cases"`
	}](t, "testdata/golden_groupnorm.json")
	if len(file.Cases) != 4 {
		t.Fatalf("golden file holds %d cases, want 4", len(file.Cases))
	}
	for _, c := range file.Cases {
		in := map[string]*Tensor{}
		for name, g := range c.Inputs {
			in[name] = g.tensor().SetRequiresGrad(true)
		}
		f := GroupNorm
		if c.Op == "group_norm_silu" {
			f = GroupNormSiLU
		}
		y := f(in["x"], in["w"], in["b"], c.Params.Groups, 1e-5)
		goldenOpsClose(t, c.Name+" output", y.Data(), c.Output.Data)
		Sum(Mul(y, c.Proj.tensor())).Backward()
		for name, want := range c.Grads {
			goldenOpsClose(t, c.Name+" grad "+name, in[name].Grad().Data(), want.Data)
		}
	}
}
