package tensor

import (
	"math"
	"strings"
	"testing"
)

// awayFromZero shifts values by ±0.2 away from 0, so that finite differences
// of ops with a kink at 0 never straddle it.
func awayFromZero(x *Tensor) *Tensor {
	for i, v := range x.data {
		if v >= 0 {
			x.data[i] = v + 0.2
		} else {
			x.data[i] = v - 0.2
		}
	}
	return x
}

// positive maps values into [0.3, ∞) for ops defined on positive numbers.
func positive(x *Tensor) *Tensor {
	for i, v := range x.data {
		x.data[i] = 0.3 + v*v
	}
	return x
}

// awayFrom returns values of x moved ±0.2 away from each kink in ks.
func awayFrom(ks ...float32) func(*Tensor) *Tensor {
	return func(x *Tensor) *Tensor {
		for i, v := range x.data {
			v *= 3
			for _, k := range ks {
				if d := v - k; d >= 0 && d < 0.2 {
					v = k + 0.2
				} else if d < 0 && d > -0.2 {
					v = k - 0.2
				}
			}
			x.data[i] = v
		}
		return x
	}
}

type unaryCase struct {
	name   string
	f      func(*Tensor) *Tensor
	domain func(*Tensor) *Tensor
}

var unaryCases = []unaryCase{
	{"Exp", Exp, nil},
	{"Expm1", Expm1, nil},
	{"Log", Log, positive},
	{"Log1p", Log1p, positive},
	{"Sqrt", Sqrt, positive},
	{"Rsqrt", Rsqrt, positive},
	{"Square", Square, nil},
	{"Abs", Abs, awayFromZero},
	{"Sign", Sign, awayFromZero},
	{"Sin", Sin, nil},
	{"Cos", Cos, nil},
	{"Erf", Erf, nil},
	{"Clamp", func(x *Tensor) *Tensor { return Clamp(x, -0.5, 1) }, awayFrom(-0.5, 1)},
	{"PowScalar3", func(x *Tensor) *Tensor { return PowScalar(x, 3) }, nil},
	{"PowScalar2", func(x *Tensor) *Tensor { return PowScalar(x, 2) }, nil},
	{"PowScalarHalf", func(x *Tensor) *Tensor { return PowScalar(x, 0.5) }, positive},
	{"PowScalar-1.5", func(x *Tensor) *Tensor { return PowScalar(x, -1.5) }, positive},
	{"Tanh", Tanh, nil},
	{"Sigmoid", Sigmoid, nil},
	{"LogSigmoid", LogSigmoid, nil},
	{"ReLU", ReLU, awayFromZero},
	{"LeakyReLU", func(x *Tensor) *Tensor { return LeakyReLU(x, 0.2) }, awayFromZero},
	{"ReLU6", ReLU6, awayFrom(0, 6)},
	{"HardTanh", HardTanh, awayFrom(-1, 1)},
	{"ELU", func(x *Tensor) *Tensor { return ELU(x, 1.5) }, awayFromZero},
	{"CELU", func(x *Tensor) *Tensor { return CELU(x, 0.7) }, awayFromZero},
	{"SELU", SELU, awayFromZero},
	{"GELU", GELU, nil},
	{"GELUTanh", GELUTanh, nil},
	{"SiLU", SiLU, nil},
	{"Softplus", Softplus, nil},
	{"Softsign", Softsign, awayFromZero},
	{"Mish", Mish, nil},
}

func (c unaryCase) input(seed uint64, shape ...int) *Tensor {
	x := randn(seed, shape...)
	if c.domain != nil {
		x = c.domain(x)
	}
	return x
}

func TestUnaryGradients(t *testing.T) {
	for _, c := range unaryCases {
		for i, shape := range [][]int{{3, 4}, {2, 1, 3}, {}} {
			checkGrad(t, c.name, func(xs []*Tensor) *Tensor { return c.f(xs[0]) }, c.input(uint64(i), shape...))
		}
	}
}

// TestUnarySecondDerivatives differentiates the recorded gradient
// x ↦ ∂/∂x Σ w·f(x) once more and compares it with finite differences, and
// checks that the recorded gradient equals the fused one Backward uses.
func TestUnarySecondDerivatives(t *testing.T) {
	for _, c := range unaryCases {
		x := c.input(3, 2, 3)
		w := randn(4, 2, 3)
		firstGrad := func(x *Tensor) *Tensor {
			return Grad([]*Tensor{Sum(Mul(c.f(x), w))}, []*Tensor{x}, true)[0]
		}
		x.SetRequiresGrad(true)
		fused := Grad([]*Tensor{Sum(Mul(c.f(x), w))}, []*Tensor{x}, false)[0]
		recorded := firstGrad(x)
		for i := range fused.data {
			if d := math.Abs(float64(fused.data[i] - recorded.data[i])); d > 1e-5*math.Max(1, math.Abs(float64(fused.data[i]))) {
				t.Errorf("%s: recorded gradient %g differs from fused %g at %d", c.name, recorded.data[i], fused.data[i], i)
				break
			}
		}
		checkGrad2(t, c.name, func() *Tensor { return Sum(Mul(firstGrad(x), w)) }, x)
	}
}

// checkGrad2 compares the gradient Backward gives for loss (which may
// contain recorded gradients) with central finite differences of loss,
// evaluated with recording on because loss itself calls Grad. A loss that
// does not depend on the parameters through recorded ops (the recorded
// gradient of a piecewise-linear op) must have zero numeric gradient.
func checkGrad2(t *testing.T, name string, loss func() *Tensor, params ...*Tensor) {
	t.Helper()
	for _, p := range params {
		p.SetRequiresGrad(true)
		p.ZeroGrad()
	}
	if l := loss(); l.RequiresGrad() {
		l.Backward()
	}
	for k, p := range params {
		if p.grad == nil {
			p.grad = ZerosLike(p)
		}
		for i := range p.data {
			orig := p.data[i]
			h := float32(1e-2) * max(1, float32(math.Abs(float64(orig))))
			p.data[i] = orig + h
			fp := float64(loss().Item())
			p.data[i] = orig - h
			fm := float64(loss().Item())
			p.data[i] = orig
			num := (fp - fm) / (2 * float64(h))
			ana := float64(p.grad.data[i])
			if math.Abs(num-ana) > 3e-2*math.Max(1, math.Abs(num)) {
				t.Errorf("%s: second-order d/d param%d[%d]: analytic %.5f, numeric %.5f", name, k, i, ana, num)
				return
			}
		}
	}
}

func TestGradientPenaltyThroughActivationsAndMatMul(t *testing.T) {
	acts := map[string]func(*Tensor) *Tensor{
		"Tanh":      Tanh,
		"LeakyReLU": func(x *Tensor) *Tensor { return LeakyReLU(x, 0.2) },
		"Sigmoid":   Sigmoid,
		"Softplus":  Softplus,
	}
	for name, act := range acts {
		x := randn(5, 4, 3).SetRequiresGrad(true)
		w1, b1, w2 := Scale(randn(6, 3, 5), 0.7), randn(7, 5), randn(8, 5, 1)
		// WGAN-GP: penalty = mean((|∇x D(x)| - 1)²) with D an MLP.
		penalty := func() *Tensor {
			d := MatMul(act(Add(MatMul(x, w1), b1)), w2)
			gx := Grad([]*Tensor{Sum(d)}, []*Tensor{x}, true)[0]
			norm := Sqrt(SumAxes(Square(gx), []int{1}, false))
			return Mean(Square(AddScalar(norm, -1)))
		}
		checkGrad2(t, "penalty/"+name, penalty, w1, b1, w2)
	}
}

func TestUnaryValues(t *testing.T) {
	x := FromSlice([]float32{-2, -0.5, 0, 0.5, 3})
	cases := []struct {
		name string
		got  *Tensor
		want []float64
	}{
		{"Exp", Exp(x), []float64{0.1353352832, 0.6065306597, 1, 1.6487212707, 20.0855369232}},
		{"Tanh", Tanh(x), []float64{-0.9640275801, -0.4621171573, 0, 0.4621171573, 0.9950547537}},
		{"Sigmoid", Sigmoid(x), []float64{0.1192029220, 0.3775406688, 0.5, 0.6224593312, 0.9525741268}},
		{"ReLU", ReLU(x), []float64{0, 0, 0, 0.5, 3}},
		{"LeakyReLU", LeakyReLU(x, 0.1), []float64{-0.2, -0.05, 0, 0.5, 3}},
		{"ELU", ELU(x, 1), []float64{-0.8646647168, -0.3934693403, 0, 0.5, 3}},
		{"CELU", CELU(x, 2), []float64{-1.2642411177, -0.4423984339, 0, 0.5, 3}},
		{"SELU", SELU(x), []float64{-1.5201664685, -0.6917581878, 0, 0.5253504937, 3.1521029621}},
		{"GELU", GELU(x), []float64{-0.0455002639, -0.1542687694, 0, 0.3457312306, 2.9959503059}},
		{"GELUTanh", GELUTanh(x), []float64{-0.0454023059, -0.1542859902, 0, 0.3457140098, 2.9963626079}},
		{"SiLU", SiLU(x), []float64{-0.2384058440, -0.1887703344, 0, 0.3112296656, 2.8577223804}},
		{"Softplus", Softplus(x), []float64{0.1269280110, 0.4740769842, 0.6931471806, 0.9740769842, 3.0485873516}},
		{"LogSigmoid", LogSigmoid(x), []float64{-2.1269280110, -0.9740769842, -0.6931471806, -0.4740769842, -0.0485873516}},
		{"Softsign", Softsign(x), []float64{-0.6666666667, -0.3333333333, 0, 0.3333333333, 0.75}},
		{"Mish", Mish(x), []float64{-0.2525014827, -0.2207437747, 0, 0.3752452113, 2.986535005}},
		{"ReLU6", ReLU6(FromSlice([]float32{-1, 3, 7})), []float64{0, 3, 6}},
		{"HardTanh", HardTanh(x), []float64{-1, -0.5, 0, 0.5, 1}},
		{"Clamp", Clamp(x, -1, 0.2), []float64{-1, -0.5, 0, 0.2, 0.2}},
		{"Abs", Abs(x), []float64{2, 0.5, 0, 0.5, 3}},
		{"Sign", Sign(x), []float64{-1, -1, 0, 1, 1}},
		{"Square", Square(x), []float64{4, 0.25, 0, 0.25, 9}},
		{"PowScalar", PowScalar(FromSlice([]float32{4, 9}), -0.5), []float64{0.5, 1.0 / 3}},
		{"Rsqrt", Rsqrt(FromSlice([]float32{4, 0.25})), []float64{0.5, 2}},
		{"Log", Log(FromSlice([]float32{1, math.E, 0.5})), []float64{0, 1, -0.6931471806}},
		{"Log1p", Log1p(FromSlice([]float32{1e-10, 1})), []float64{1e-10, 0.6931471806}},
		{"Expm1", Expm1(FromSlice([]float32{1e-10, 1})), []float64{1e-10, 1.7182818285}},
	}
	for _, c := range cases {
		for i, w := range c.want {
			if g := float64(c.got.data[i]); math.Abs(g-w) > 2e-6*math.Max(1, math.Abs(w)) && math.Abs(g-w) > 1e-6*math.Abs(w) {
				t.Errorf("%s[%d] = %.9g, want %.9g", c.name, i, g, w)
			}
		}
	}
}

func TestSoftplusAndLogSigmoidStayFiniteForLargeInputs(t *testing.T) {
	x := FromSlice([]float32{-100, 100, -1000, 1000})
	sp := Softplus(x).Data()
	if want := []float32{float32(math.Exp(-100)), 100, 0, 1000}; sp[0] != want[0] && math.Abs(float64(sp[0]-want[0])) > 1e-6*float64(want[0]) || sp[1] != 100 || sp[2] != 0 || sp[3] != 1000 {
		t.Errorf("Softplus(%v) = %v, want %v", x.Data(), sp, want)
	}
	ls := LogSigmoid(x).Data()
	if ls[0] != -100 || math.Abs(float64(ls[1])) > 1e-40 || ls[2] != -1000 || ls[3] != 0 {
		t.Errorf("LogSigmoid(%v) = %v", x.Data(), ls)
	}
}

func TestBinaryGradients(t *testing.T) {
	shapes := [][2][]int{{{3, 4}, {3, 4}}, {{2, 3, 4}, {3, 1}}, {{1, 4}, {3, 1}}, {{5}, {}}}
	for i, s := range shapes {
		a, b := positive(randn(uint64(i), s[0]...)), randn(uint64(i+10), s[1]...)
		checkGrad(t, "Pow", func(xs []*Tensor) *Tensor { return Pow(xs[0], xs[1]) }, a, b)
		// Distinct values so that no finite-difference step crosses a tie.
		a, b = randn(uint64(i+20), s[0]...), randn(uint64(i+30), s[1]...)
		checkGrad(t, "Maximum", func(xs []*Tensor) *Tensor { return Maximum(xs[0], xs[1]) }, a, b)
		checkGrad(t, "Minimum", func(xs []*Tensor) *Tensor { return Minimum(xs[0], xs[1]) }, a, b)
	}
}

func TestMaximumMinimumValuesAndTies(t *testing.T) {
	a := FromSlice([]float32{1, 5, 3}).SetRequiresGrad(true)
	b := FromSlice([]float32{2, 5, 0}).SetRequiresGrad(true)
	mx, mn := Maximum(a, b), Minimum(a, b)
	if got := mx.Data(); got[0] != 2 || got[1] != 5 || got[2] != 3 {
		t.Errorf("Maximum = %v", got)
	}
	if got := mn.Data(); got[0] != 1 || got[1] != 5 || got[2] != 0 {
		t.Errorf("Minimum = %v", got)
	}
	Sum(mx).Backward()
	ga, gb := a.Grad().Data(), b.Grad().Data()
	if ga[0] != 0 || ga[1] != 0.5 || ga[2] != 1 || gb[0] != 1 || gb[1] != 0.5 || gb[2] != 0 {
		t.Errorf("Maximum gradients = %v, %v; want [0 0.5 1], [1 0.5 0]", ga, gb)
	}
}

func TestPowGradientAtZeroBaseIsFinite(t *testing.T) {
	a := FromSlice([]float32{0, 2}).SetRequiresGrad(true)
	b := FromSlice([]float32{2, 3}).SetRequiresGrad(true)
	Sum(Pow(a, b)).Backward()
	if g := b.Grad().Data(); g[0] != 0 || math.Abs(float64(g[1])-8*math.Ln2) > 1e-5 {
		t.Errorf("d/db 0^2, 2^3 = %v, want [0 %g]", g, 8*math.Ln2)
	}
}

func TestClampAndELURejectBadParameters(t *testing.T) {
	for name, f := range map[string]func(){
		"Clamp: lo 1 > hi 0":      func() { Clamp(Zeros(2), 1, 0) },
		"ELU: alpha must be > 0":  func() { ELU(Zeros(2), 0) },
		"CELU: alpha must be > 0": func() { CELU(Zeros(2), -1) },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), name) {
					t.Errorf("panic = %v, want it to contain %q", r, name)
				}
			}()
			f()
		}()
	}
}

// BenchmarkTranscendentals reports ns per element of the forward ops on a
// million elements (split over cores as in training).
func BenchmarkTranscendentals(b *testing.B) {
	x := randn(1, 1<<20)
	for _, op := range []struct {
		name string
		f    func(*Tensor) *Tensor
	}{{"Exp", Exp}, {"Log", Log}, {"Sigmoid", Sigmoid}, {"Tanh", Tanh}, {"GELU", GELU}, {"Softplus", Softplus}} {
		b.Run(op.name, func(b *testing.B) {
			for b.Loop() {
				op.f(x)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*x.Size()), "ns/elem")
		})
	}
}
