package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// actKernel is one slice kernel with its portable twin, its float64
// reference (value and derivative) and the error bounds checked here.
type actKernel struct {
	name string
	kind int
	// value and grad are the exported kernels (grad nil where the op has
	// no gradient kernel); the twin is goKernels[kind].
	value func(dst, src []float32)
	grad  func(dst, g, src []float32)
	ref   func(x float64) (y, d float64)
	// relTol bounds the error of the value against float64, relative to
	// max(|y|, 2^-120) (below that float32 has lost relative precision to
	// denormals), times 1 + |arg(x)| where the exponential's argument is
	// itself a rounded float32 (the tanh form of GELU).
	relTol float64
	arg    func(x float64) float64
	// derTol bounds the error of the derivative relative to max(|d|, 1):
	// derivatives cross zero, where only an absolute bound makes sense.
	derTol float64
	// twinULP bounds the distance of the twins' values in units in the last
	// place (times 1 + |arg(x)|); their derivatives may differ by twice
	// derTol.
	twinULP float64
}

// sigmoid64 is the logistic function without overflow.
func sigmoid64(v float64) float64 {
	if v >= 0 {
		return 1 / (1 + math.Exp(-v))
	}
	e := math.Exp(v)
	return e / (1 + e)
}

func swish64(x, a, b float64) (float64, float64) {
	v := x
	if b != 0 {
		v = x * (a + b*x*x)
	}
	s := sigmoid64(v)
	return x * s, s + x*s*(1-s)*(a+3*b*x*x)
}

var actKernels = []actKernel{
	{name: "exp", kind: kindExp, value: ExpSlice,
		ref:    func(x float64) (float64, float64) { return math.Exp(x), 0 },
		relTol: 1.5e-7, twinULP: 1},
	{name: "sigmoid", kind: kindSigmoid, value: SigmoidSlice,
		ref:    func(x float64) (float64, float64) { return sigmoid64(x), 0 },
		relTol: 2.5e-7, twinULP: 2},
	{name: "tanh", kind: kindTanh, value: TanhSlice,
		ref:    func(x float64) (float64, float64) { return math.Tanh(x), 0 },
		relTol: 2.5e-7, twinULP: 3},
	{name: "softplus", kind: kindSoftplus, value: SoftplusSlice, grad: SoftplusGrad,
		ref: func(x float64) (float64, float64) {
			return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))), sigmoid64(x)
		},
		relTol: 3e-7, derTol: 1.5e-7, twinULP: 3},
	{name: "silu", kind: kindSiLU, value: SiLUSlice, grad: SiLUGrad,
		ref:    func(x float64) (float64, float64) { return swish64(x, 1, 0) },
		relTol: 3e-7, derTol: 2.5e-7, twinULP: 2},
	{name: "gelutanh", kind: kindGELUTanh, value: GELUTanhSlice, grad: GELUTanhGrad,
		ref:    func(x float64) (float64, float64) { return swish64(x, geluA, geluB) },
		arg:    func(x float64) float64 { return x * (geluA + geluB*x*x) },
		relTol: 2.5e-7, derTol: 2.5e-7, twinULP: 3},
	{name: "gelu", kind: kindGELU, value: GELUSlice, grad: GELUGrad,
		ref: func(x float64) (float64, float64) {
			phi := 0.5 * math.Erfc(-x/math.Sqrt2)
			return x * phi, phi + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi)
		},
		relTol: 5e-7, derTol: 3e-7, twinULP: 7},
}

// scale is the factor 1 + |arg(x)| of the kernel's bounds.
func (k actKernel) scale(x float32) float64 {
	if k.arg == nil {
		return 1
	}
	return 1 + math.Abs(k.arg(float64(x)))
}

// ulps is the distance between a and b in representable float32 values.
func ulps(a, b float32) int64 {
	ord := func(f float32) int64 {
		u := math.Float32bits(f)
		if u&signBit != 0 {
			return -int64(u &^ signBit)
		}
		return int64(u)
	}
	d := ord(a) - ord(b)
	return max(d, -d)
}

// sweepSlice returns about 2n values spread evenly in bit pattern over
// ±[lo, hi], with the special values and denormals among them.
func sweepSlice(lo, hi float32, n int) []float32 {
	inf := float32(math.Inf(1))
	xs := []float32{0, float32(math.Copysign(0, -1)), inf, -inf, float32(math.NaN()),
		1e-45, -1e-45, 1e-40, -1e-40, 0x1p-126, -0x1p-126, math.MaxFloat32, -math.MaxFloat32}
	sweep(lo, hi, n, func(x float32) { xs = append(xs, x) })
	return xs
}

func bothNaN(a, b float32) bool { return a != a && b != b }

// valueErr is |got-want| relative to max(|want|, 2^-120); an infinite want
// must be matched exactly.
func valueErr(got float32, want float64) float64 {
	if math.IsInf(want, 0) || math.Abs(want) > math.MaxFloat32 {
		return relErr(got, want)
	}
	return math.Abs(float64(got)-want) / math.Max(math.Abs(want), 0x1p-120)
}

// run returns the values and derivatives (the gradient kernel with g = 1;
// nil without one) of k or of its twin on xs.
func (k actKernel) run(xs []float32, twin bool) (y, d []float32) {
	y = make([]float32, len(xs))
	var ones []float32
	if k.grad != nil {
		d, ones = make([]float32, len(xs)), make([]float32, len(xs))
		for i := range ones {
			ones[i] = 1
		}
	}
	switch {
	case twin:
		goKernels[k.kind](y, nil, xs)
		if d != nil {
			goKernels[k.kind](d, ones, xs)
		}
	default:
		k.value(y, xs)
		if d != nil {
			k.grad(d, ones, xs)
		}
	}
	return y, d
}

func sweepSize() int {
	if raceEnabled {
		return 20000
	}
	return 300000
}

// Both twins of every kernel, against float64 over ±[1e-30, 1e30] and the
// special values (NaN in, NaN out).
func TestActivationKernelsMatchFloat64(t *testing.T) {
	xs := sweepSlice(1e-30, 1e30, sweepSize())
	for _, k := range actKernels {
		for _, twin := range []bool{false, true} {
			y, d := k.run(xs, twin)
			worst, worstD := 0.0, 0.0
			var at, atD float32
			for i, x := range xs {
				wy, wd := k.ref(float64(x))
				if math.IsNaN(wy) != (y[i] != y[i]) {
					t.Errorf("%s (twin %v) at %g = %g, float64 %g", k.name, twin, x, y[i], wy)
					continue
				}
				if e := valueErr(y[i], wy) / k.scale(x); e > worst {
					worst, at = e, x
				}
				if d != nil && !math.IsNaN(wd) && !math.IsInf(wd, 0) {
					if e := math.Abs(float64(d[i])-wd) / math.Max(math.Abs(wd), 1); e > worstD {
						worstD, atD = e, x
					}
				}
			}
			t.Logf("%-8s twin %-5v: value error %.3g at %g, derivative %.3g at %g", k.name, twin, worst, at, worstD, atD)
			if worst > k.relTol {
				t.Errorf("%s (twin %v): value error %.3g at x=%g, bound %g", k.name, twin, worst, at, k.relTol)
			}
			if worstD > k.derTol {
				t.Errorf("%s (twin %v): derivative error %.3g at x=%g, bound %g", k.name, twin, worstD, atD, k.derTol)
			}
		}
	}
}

// The vector kernels against their Go twins: the distance in ulps of the
// values, and of the derivatives in absolute terms.
func TestActivationTwinsAgree(t *testing.T) {
	xs := sweepSlice(1e-30, 1e30, sweepSize())
	for _, k := range actKernels {
		y, d := k.run(xs, false)
		ty, td := k.run(xs, true)
		worst, worstD := 0.0, 0.0
		for i, x := range xs {
			if !bothNaN(y[i], ty[i]) {
				if u := float64(ulps(y[i], ty[i])) / k.scale(x); u > k.twinULP {
					t.Errorf("%s at %g: vector %g, Go %g: %.3g ulps, bound %g", k.name, x, y[i], ty[i], u, k.twinULP)
					break
				} else {
					worst = max(worst, u)
				}
			}
			if d != nil && !bothNaN(d[i], td[i]) {
				e := math.Abs(float64(d[i])-float64(td[i])) / math.Max(math.Abs(float64(td[i])), 1)
				if e > 2*k.derTol || math.IsNaN(e) {
					t.Errorf("%s derivative at %g: vector %g, Go %g", k.name, x, d[i], td[i])
					break
				}
				worstD = max(worstD, e)
			}
		}
		t.Logf("%-8s twins differ by up to %.3g ulps (derivative %.3g)", k.name, worst, worstD)
	}
}

// Limits, zeros, denormals and NaN, exactly.
func TestActivationSpecialValues(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	negZero := float32(math.Copysign(0, -1))
	xs := []float32{inf, -inf, 0, negZero, 1e-40, -1e-40, nan}
	want := map[string][]float32{
		// NaN where x·(something that is 0) meets x = ±Inf, as PyTorch's
		// formulas and the old float64 ones give.
		"exp":      {inf, 0, 1, 1, 1, 1, nan},
		"sigmoid":  {1, 0, 0.5, 0.5, 0.5, 0.5, nan},
		"tanh":     {1, -1, 0, negZero, 1e-40, -1e-40, nan},
		"softplus": {inf, 0, float32(math.Ln2), float32(math.Ln2), float32(math.Ln2), float32(math.Ln2), nan},
		"silu":     {inf, nan, 0, negZero, 0.5e-40, -0.5e-40, nan},
		"gelutanh": {inf, nan, 0, negZero, 0.5e-40, -0.5e-40, nan},
		"gelu":     {inf, nan, 0, negZero, 0.5e-40, -0.5e-40, nan},
	}
	wantD := map[string][]float32{
		"softplus": {1, 0, 0.5, 0.5, 0.5, 0.5, nan},
		"silu":     {nan, nan, 0.5, 0.5, 0.5, 0.5, nan},
		"gelutanh": {nan, nan, 0.5, 0.5, 0.5, 0.5, nan},
		"gelu":     {nan, nan, 0.5, 0.5, 0.5, 0.5, nan},
	}
	for _, k := range actKernels {
		for _, twin := range []bool{false, true} {
			y, d := k.run(xs, twin)
			check := func(what string, got, want []float32) {
				for i := range want {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !bothNaN(got[i], want[i]) {
						t.Errorf("%s%s(%g) (twin %v) = %g, want %g", k.name, what, xs[i], twin, got[i], want[i])
					}
				}
			}
			check("", y, want[k.name])
			if d != nil {
				check("'", d, wantD[k.name])
			}
		}
	}
}

// A value's result must not depend on its position in the slice or on the
// slice's length: the tail goes through the same vector code.
func TestActivationResultsIndependentOfPosition(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	xs := make([]float32, 37)
	for i := range xs {
		xs[i] = float32(r.NormFloat64() * 4)
	}
	for _, k := range actKernels {
		y, d := k.run(xs, false)
		for lo := range xs {
			for _, hi := range []int{lo + 1, min(lo+9, len(xs)), len(xs)} {
				py, pd := k.run(xs[lo:hi], false)
				for i := range py {
					if math.Float32bits(py[i]) != math.Float32bits(y[lo+i]) || d != nil && math.Float32bits(pd[i]) != math.Float32bits(d[lo+i]) {
						t.Fatalf("%s(%g) in xs[%d:%d] = %g, %g in the whole slice", k.name, xs[lo+i], lo, hi, py[i], y[lo+i])
					}
				}
			}
		}
	}
}

// The gradient kernels multiply by g, and any output may be written over
// the input (or over g), with the same bits as separate slices.
func TestActivationGradAndInPlace(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	xs, g := make([]float32, 29), make([]float32, 29)
	for i := range xs {
		xs[i] = float32(r.NormFloat64() * 4)
		g[i] = float32(r.NormFloat64())
	}
	same := func(name, what string, got, want []float32) {
		t.Helper()
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s %s: element %d = %g, want %g", name, what, i, got[i], want[i])
			}
		}
	}
	for _, k := range actKernels {
		for _, twin := range []bool{false, true} {
			value, grad := k.value, k.grad
			if twin {
				value = func(dst, src []float32) { goKernels[k.kind](dst, nil, src) }
				grad = func(dst, g, src []float32) { goKernels[k.kind](dst, g, src) }
			}
			y, d := k.run(xs, twin)
			buf := append([]float32(nil), xs...)
			value(buf, buf)
			same(k.name, "in place", buf, y)
			if k.grad == nil {
				continue
			}
			want := make([]float32, len(xs))
			for i := range want {
				want[i] = g[i] * d[i]
			}
			got := make([]float32, len(xs))
			grad(got, g, xs)
			same(k.name, "gradient", got, want)
			buf = append(buf[:0], xs...)
			grad(buf, g, buf)
			same(k.name, "gradient over x", buf, want)
			buf = append(buf[:0], g...)
			grad(buf, buf, xs)
			same(k.name, "gradient over g", buf, want)
		}
	}
}

// The partial last vector goes through stack buffers: no allocation.
func TestActivationKernelsAllocateNothing(t *testing.T) {
	xs, g, y := make([]float32, 13), make([]float32, 13), make([]float32, 13)
	for _, k := range actKernels {
		n := testing.AllocsPerRun(10, func() {
			k.value(y, xs)
			if k.grad != nil {
				k.grad(y, g, xs)
			}
		})
		if n != 0 {
			t.Errorf("%s: %v allocations per call", k.name, n)
		}
	}
}

// BenchmarkActivationKernels reports ns per element of each kernel (value
// and gradient) and its Go twin, on one core, in cache (4096) and
// streaming (1<<20).
func BenchmarkActivationKernels(b *testing.B) {
	for _, n := range []int{4096, 1 << 20} {
		xs, g, y := make([]float32, n), make([]float32, n), make([]float32, n)
		r := rand.New(rand.NewPCG(5, 6))
		for i := range xs {
			xs[i] = float32(r.NormFloat64() * 3)
			g[i] = float32(r.NormFloat64())
		}
		for _, k := range actKernels {
			type benchCase struct {
				name string
				f    func()
			}
			cases := []benchCase{
				{"value/vector", func() { k.value(y, xs) }},
				{"value/go", func() { goKernels[k.kind](y, nil, xs) }},
			}
			if k.grad != nil {
				cases = append(cases, benchCase{"grad/vector", func() { k.grad(y, g, xs) }},
					benchCase{"grad/go", func() { goKernels[k.kind](y, g, xs) }})
			}
			for _, c := range cases {
				b.Run(fmt.Sprintf("%s/%s/n=%d", k.name, c.name, n), func(b *testing.B) {
					for b.Loop() {
						c.f()
					}
					b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/elem")
				})
			}
		}
	}
}
