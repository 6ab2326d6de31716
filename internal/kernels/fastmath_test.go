package kernels

import (
	"math"
	"testing"
)

// sweep calls fn on about n float32 values spread evenly in bit pattern (so
// evenly in magnitude) over [lo, hi] and its negative counterpart.
func sweep(lo, hi float32, n int, fn func(x float32)) {
	a, b := math.Float32bits(lo), math.Float32bits(hi)
	step := max((b-a)/uint32(n), 1)
	for u := a; u <= b && u >= a; u += step {
		x := math.Float32frombits(u)
		fn(x)
		fn(-x)
	}
}

// relErr is |got-want|/|want|, treating results in the denormal range (where
// float32 itself has little relative precision) by absolute error.
func relErr(got float32, want float64) float64 {
	if math.IsInf(want, 0) || want > math.MaxFloat32 || want < -math.MaxFloat32 {
		if math.IsInf(float64(got), int(math.Copysign(1, want))) {
			return 0
		}
		return math.Inf(1)
	}
	d := math.Abs(float64(got) - want)
	if math.Abs(want) < 0x1p-126 {
		return d / 0x1p-126
	}
	return d / math.Abs(want)
}

func TestFastFloat32MathMatchesFloat64(t *testing.T) {
	cases := []struct {
		name   string
		f      func(float32) float32
		ref    func(float64) float64
		lo, hi float32
		tol    float64
	}{
		{"exp", Exp, math.Exp, 1e-30, 103.9, 3e-7},
		{"expm1", Expm1, math.Expm1, 1e-30, 103.9, 3e-7},
		{"log", Log, math.Log, 1e-38, math.MaxFloat32, 3e-7},
		{"log1p", Log1p, math.Log1p, 1e-30, 1e30, 3e-7},
		{"tanh", Tanh, math.Tanh, 1e-30, 100, 4e-7},
		{"sigmoid", Sigmoid, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, 1e-30, 87, 4e-7},
		{"softplus", Softplus, func(x float64) float64 { return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }, 1e-30, 1e30, 4e-7},
	}
	for _, c := range cases {
		worst, at := 0.0, float32(0)
		sweep(c.lo, c.hi, 200000, func(x float32) {
			want := c.ref(float64(x))
			if math.IsNaN(want) {
				return // log of a negative: checked with the special values
			}
			if e := relErr(c.f(x), want); e > worst {
				worst, at = e, x
			}
		})
		if worst > c.tol {
			t.Errorf("%s: relative error %.3g at x=%g (got %g, want %g); tolerance %g", c.name, worst, at, c.f(at), c.ref(float64(at)), c.tol)
		}
	}
}

func TestFastFloat32MathSpecialValues(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	isNaN := func(v float32) bool { return v != v }
	checks := []struct {
		name      string
		got, want float32
	}{
		{"exp(0)", Exp(0), 1},
		{"exp(+Inf)", Exp(inf), inf},
		{"exp(-Inf)", Exp(-inf), 0},
		{"exp(89)", Exp(89), inf},
		{"exp(-110)", Exp(-110), 0},
		{"expm1(0)", Expm1(0), 0},
		{"expm1(-Inf)", Expm1(-inf), -1},
		{"expm1(+Inf)", Expm1(inf), inf},
		{"log(1)", Log(1), 0},
		{"log(0)", Log(0), -inf},
		{"log(+Inf)", Log(inf), inf},
		{"log1p(0)", Log1p(0), 0},
		{"log1p(-1)", Log1p(-1), -inf},
		{"log1p(+Inf)", Log1p(inf), inf},
		{"tanh(+Inf)", Tanh(inf), 1},
		{"tanh(-Inf)", Tanh(-inf), -1},
		{"sigmoid(+Inf)", Sigmoid(inf), 1},
		{"sigmoid(-Inf)", Sigmoid(-inf), 0},
		{"softplus(-Inf)", Softplus(-inf), 0},
		{"softplus(+Inf)", Softplus(inf), inf},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %g, want %g", c.name, c.got, c.want)
		}
	}
	for name, v := range map[string]float32{
		"exp(NaN)": Exp(nan), "expm1(NaN)": Expm1(nan), "log(NaN)": Log(nan), "log(-1)": Log(-1),
		"log1p(NaN)": Log1p(nan), "log1p(-2)": Log1p(-2), "tanh(NaN)": Tanh(nan), "sigmoid(NaN)": Sigmoid(nan),
		"softplus(NaN)": Softplus(nan),
	} {
		if !isNaN(v) {
			t.Errorf("%s = %g, want NaN", name, v)
		}
	}
	if v := Tanh(float32(math.Copysign(0, -1))); v != 0 || !math.Signbit(float64(v)) {
		t.Errorf("tanh(-0) = %g, want -0", v)
	}
}
