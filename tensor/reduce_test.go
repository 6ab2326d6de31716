package tensor

import (
	"math"
	"strings"
	"testing"
)

var axisCases = []struct {
	shape []int
	axes  []int
}{
	{[]int{3, 4}, []int{1}},
	{[]int{3, 4}, []int{0}},
	{[]int{2, 3, 4}, []int{-1}},
	{[]int{2, 3, 4}, []int{0, 2}},
	{[]int{2, 3, 4}, []int{1}},
	{[]int{2, 1, 4}, []int{1}},
	{[]int{2, 3, 4}, nil},
	{[]int{5}, []int{0}},
}

func TestReductionGradients(t *testing.T) {
	ops := map[string]func(x *Tensor, axes []int, keep bool) *Tensor{
		"SumAxes":   SumAxes,
		"MeanAxes":  MeanAxes,
		"MaxAxes":   MaxAxes,
		"MinAxes":   MinAxes,
		"LogSumExp": LogSumExp,
		"Var":       func(x *Tensor, axes []int, keep bool) *Tensor { return Var(x, axes, keep, true) },
		"VarBiased": func(x *Tensor, axes []int, keep bool) *Tensor { return Var(x, axes, keep, false) },
	}
	for name, op := range ops {
		for i, c := range axisCases {
			for _, keep := range []bool{false, true} {
				if strings.HasPrefix(name, "Var") && numel(c.shape) == 8 && len(c.axes) == 1 && c.shape[1] == 1 {
					continue // a group of one element has no unbiased variance
				}
				checkGrad(t, name, func(xs []*Tensor) *Tensor { return op(xs[0], c.axes, keep) }, randn(uint64(i), c.shape...))
			}
		}
	}
}

func TestReductionValuesAndShapes(t *testing.T) {
	x := FromSlice([]float32{1, 5, 3, 4, 2, 6}, 2, 3)
	cases := []struct {
		name  string
		got   *Tensor
		shape []int
		want  []float64
	}{
		{"SumAxes last", SumAxes(x, []int{-1}, false), []int{2}, []float64{9, 12}},
		{"SumAxes first keep", SumAxes(x, []int{0}, true), []int{1, 3}, []float64{5, 7, 9}},
		{"SumAxes all", SumAxes(x, nil, false), []int{}, []float64{21}},
		{"MeanAxes", MeanAxes(x, []int{1}, true), []int{2, 1}, []float64{3, 4}},
		{"MaxAxes", MaxAxes(x, []int{1}, false), []int{2}, []float64{5, 6}},
		{"MinAxes", MinAxes(x, []int{0}, false), []int{3}, []float64{1, 2, 3}},
		{"LogSumExp", LogSumExp(x, []int{1}, false), []int{2}, []float64{5.1429316284, 6.1429316284}},
		{"Var unbiased", Var(x, []int{1}, false, true), []int{2}, []float64{4, 4}},
		{"Var biased", Var(x, nil, false, false), []int{}, []float64{17.5 / 6}},
	}
	for _, c := range cases {
		if !SameShape(c.got.Shape(), c.shape) {
			t.Errorf("%s: shape %v, want %v", c.name, c.got.Shape(), c.shape)
			continue
		}
		for i, w := range c.want {
			if g := float64(c.got.data[i]); math.Abs(g-w) > 1e-5*math.Max(1, math.Abs(w)) {
				t.Errorf("%s[%d] = %g, want %g", c.name, i, g, w)
			}
		}
	}
}

func TestMaxAxesGradientGoesToFirstOfTies(t *testing.T) {
	x := FromSlice([]float32{2, 7, 7, 1, 3, 3}, 2, 3).SetRequiresGrad(true)
	Sum(MaxAxes(x, []int{1}, false)).Backward()
	want := []float32{0, 1, 0, 0, 1, 0}
	for i, w := range want {
		if x.Grad().data[i] != w {
			t.Fatalf("grad = %v, want %v", x.Grad().Data(), want)
		}
	}
	y := FromSlice([]float32{4, 1, 4, 1}, 2, 2).SetRequiresGrad(true)
	Sum(MinAxes(y, []int{0}, false)).Backward()
	if g := y.Grad().Data(); g[0] != 1 || g[1] != 1 || g[2] != 0 || g[3] != 0 {
		t.Fatalf("MinAxes over leading axis grad = %v, want [1 1 0 0]", g)
	}
}

func TestLogSumExpIsStableForLargeInputs(t *testing.T) {
	x := FromSlice([]float32{100, 100, -100, -100, 1000, 0}, 3, 2)
	got := LogSumExp(x, []int{1}, false).Data()
	want := []float64{100 + math.Ln2, -100 + math.Ln2, 1000}
	for i, w := range want {
		if math.Abs(float64(got[i])-w) > 1e-4*math.Abs(w) {
			t.Errorf("LogSumExp row %d = %g, want %g", i, got[i], w)
		}
	}
	inf := float32(math.Inf(-1))
	if v := LogSumExp(FromSlice([]float32{inf, inf}), nil, false).Item(); !math.IsInf(float64(v), -1) {
		t.Errorf("LogSumExp of all -Inf = %g, want -Inf", v)
	}
}

func TestReductionAxisErrors(t *testing.T) {
	for want, f := range map[string]func(){
		"SumAxes: axis 2 out of range for shape [2 3]": func() { SumAxes(Zeros(2, 3), []int{2}, false) },
		"MaxAxes: axis 1 repeated":                     func() { MaxAxes(Zeros(2, 3), []int{1, -1}, false) },
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
