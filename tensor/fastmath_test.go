package tensor

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
		{"exp", expf, math.Exp, 1e-30, 103.9, 3e-7},
		{"expm1", expm1f, math.Expm1, 1e-30, 103.9, 3e-7},
		{"log", logf, math.Log, 1e-38, math.MaxFloat32, 3e-7},
		{"log1p", log1pf, math.Log1p, 1e-30, 1e30, 3e-7},
		{"tanh", tanhf, math.Tanh, 1e-30, 100, 4e-7},
		{"sigmoid", sigmoidf, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }, 1e-30, 87, 4e-7},
		{"softplus", softplusf, func(x float64) float64 { return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }, 1e-30, 1e30, 4e-7},
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
		{"exp(0)", expf(0), 1},
		{"exp(+Inf)", expf(inf), inf},
		{"exp(-Inf)", expf(-inf), 0},
		{"exp(89)", expf(89), inf},
		{"exp(-110)", expf(-110), 0},
		{"expm1(0)", expm1f(0), 0},
		{"expm1(-Inf)", expm1f(-inf), -1},
		{"expm1(+Inf)", expm1f(inf), inf},
		{"log(1)", logf(1), 0},
		{"log(0)", logf(0), -inf},
		{"log(+Inf)", logf(inf), inf},
		{"log1p(0)", log1pf(0), 0},
		{"log1p(-1)", log1pf(-1), -inf},
		{"log1p(+Inf)", log1pf(inf), inf},
		{"tanh(+Inf)", tanhf(inf), 1},
		{"tanh(-Inf)", tanhf(-inf), -1},
		{"sigmoid(+Inf)", sigmoidf(inf), 1},
		{"sigmoid(-Inf)", sigmoidf(-inf), 0},
		{"softplus(-Inf)", softplusf(-inf), 0},
		{"softplus(+Inf)", softplusf(inf), inf},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %g, want %g", c.name, c.got, c.want)
		}
	}
	for name, v := range map[string]float32{
		"exp(NaN)": expf(nan), "expm1(NaN)": expm1f(nan), "log(NaN)": logf(nan), "log(-1)": logf(-1),
		"log1p(NaN)": log1pf(nan), "log1p(-2)": log1pf(-2), "tanh(NaN)": tanhf(nan), "sigmoid(NaN)": sigmoidf(nan),
		"softplus(NaN)": softplusf(nan),
	} {
		if !isNaN(v) {
			t.Errorf("%s = %g, want NaN", name, v)
		}
	}
	if v := tanhf(float32(math.Copysign(0, -1))); v != 0 || !math.Signbit(float64(v)) {
		t.Errorf("tanh(-0) = %g, want -0", v)
	}
}
