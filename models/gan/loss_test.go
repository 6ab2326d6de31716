package gan

import (
	"github.com/artifex-go/artifex/internal/goldentest"
	"math"
	"testing"

	"github.com/artifex-go/artifex/tensor"
)

// softplus64 is log(1 + e^x), the BCE of logit x against target 0.
func softplus64(x float64) float64 { return math.Log1p(math.Exp(x)) }

func mean64(xs []float64, f func(float64) float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += f(x)
	}
	return s / float64(len(xs))
}

func TestLossFormulasMatchHandComputedValues(t *testing.T) {
	r := []float64{1.5, -0.5, 0.25, 3}
	f := []float64{-1, 2, 0, -4}
	const smooth = 0.2
	tgt := 1 - smooth
	bce := func(x, t float64) float64 { return softplus64(x) - x*t }
	dWant := map[LossType]float64{
		Vanilla:       mean64(r, func(x float64) float64 { return bce(x, tgt) }) + mean64(f, softplus64),
		NonSaturating: mean64(r, func(x float64) float64 { return bce(x, tgt) }) + mean64(f, softplus64),
		LeastSquares: 0.5*mean64(r, func(x float64) float64 { return (x - tgt) * (x - tgt) }) +
			0.5*mean64(f, func(x float64) float64 { return x * x }),
		Wasserstein: mean64(f, func(x float64) float64 { return x }) - mean64(r, func(x float64) float64 { return x }),
		Hinge: mean64(r, func(x float64) float64 { return math.Max(0, 1-x) }) +
			mean64(f, func(x float64) float64 { return math.Max(0, 1+x) }),
	}
	gWant := map[LossType]float64{
		Vanilla:       -mean64(f, softplus64),
		NonSaturating: mean64(f, func(x float64) float64 { return softplus64(-x) }),
		LeastSquares:  0.5 * mean64(f, func(x float64) float64 { return (x - 1) * (x - 1) }),
		Wasserstein:   -mean64(f, func(x float64) float64 { return x }),
		Hinge:         -mean64(f, func(x float64) float64 { return x }),
	}
	real, fake := tensor.FromSlice([]float32{1.5, -0.5, 0.25, 3}), tensor.FromSlice([]float32{-1, 2, 0, -4})
	for _, lt := range LossTypes() {
		s := float32(0)
		if lt.usesLabels() {
			s = smooth
		}
		d, err := DiscriminatorLoss(lt, real, fake, s)
		if err != nil {
			t.Fatal(err)
		}
		g, err := GeneratorLoss(lt, fake)
		if err != nil {
			t.Fatal(err)
		}
		if got := float64(d.Item()); math.Abs(got-dWant[lt]) > 1e-5 {
			t.Errorf("%s: discriminator loss %.6f, want %.6f", lt, got, dWant[lt])
		}
		if got := float64(g.Item()); math.Abs(got-gWant[lt]) > 1e-5 {
			t.Errorf("%s: generator loss %.6f, want %.6f", lt, got, gWant[lt])
		}
	}
	if _, err := DiscriminatorLoss("bogus", real, fake, 0); err == nil {
		t.Error("unknown loss type: no error")
	}
	if _, err := ParseLossType("wgan"); err == nil {
		t.Error("ParseLossType(wgan): no error")
	}
}

// golden is testdata/golden.json, written by testdata/gen_golden.py with
// PyTorch.
type golden struct {
	Losses struct {
		Real, Fake     []float32
		LabelSmoothing float32 `json:"label_smoothing"`
		Discriminator  map[string]float64
		Generator      map[string]float64
		Smoothed       map[string]float64 `json:"discriminator_smoothed"`
	}
	GradientPenalty struct {
		XReal        []float32 `json:"x_real"`
		XFake        []float32 `json:"x_fake"`
		Eps          []float32
		ConvWeight   []float32 `json:"conv_weight"`
		ConvBias     []float32 `json:"conv_bias"`
		LinearWeight []float32 `json:"linear_weight"`
		LinearBias   []float32 `json:"linear_bias"`
		Penalty      float64
		GConvWeight  []float32 `json:"grad_conv_weight"`
		GConvBias    []float32 `json:"grad_conv_bias"`
		GLinWeight   []float32 `json:"grad_linear_weight"`
		GLinBias     []float32 `json:"grad_linear_bias"`
	} `json:"gradient_penalty"`
}

func loadGolden(t *testing.T) golden { return goldentest.Load[golden](t, "testdata/golden.json") }

func TestLossesMatchPyTorch(t *testing.T) {
	g := loadGolden(t).Losses
	real, fake := tensor.FromSlice(g.Real), tensor.FromSlice(g.Fake)
	for _, lt := range LossTypes() {
		d, _ := DiscriminatorLoss(lt, real, fake, 0)
		gl, _ := GeneratorLoss(lt, fake)
		if want := g.Discriminator[string(lt)]; math.Abs(float64(d.Item())-want) > 1e-5 {
			t.Errorf("%s: discriminator loss %.6f, PyTorch %.6f", lt, d.Item(), want)
		}
		if want := g.Generator[string(lt)]; math.Abs(float64(gl.Item())-want) > 1e-5 {
			t.Errorf("%s: generator loss %.6f, PyTorch %.6f", lt, gl.Item(), want)
		}
	}
	for name, want := range g.Smoothed {
		d, _ := DiscriminatorLoss(LossType(name), real, fake, g.LabelSmoothing)
		if math.Abs(float64(d.Item())-want) > 1e-5 {
			t.Errorf("%s smoothed: discriminator loss %.6f, PyTorch %.6f", name, d.Item(), want)
		}
	}
}

func TestGradientPenaltyOfALinearCriticIsItsWeightNormMinusOneSquared(t *testing.T) {
	// score(x) = Σ w·x has gradient w everywhere: penalty (‖w‖ - 1)².
	w := tensor.FromSlice([]float32{0.5, -1, 2, 0.25, 1, -0.5}, 1, 6).SetRequiresGrad(true)
	score := func(x *tensor.Tensor) *tensor.Tensor {
		return tensor.SumAxes(tensor.Mul(tensor.Flatten(x), w), []int{1}, false)
	}
	s := tensor.NewRngs(1).Sample()
	real, fake := s.Normal(4, 1, 2, 3), s.Normal(4, 1, 2, 3)
	gp, err := GradientPenalty(score, real, fake, s.Uniform(0, 1, 4))
	if err != nil {
		t.Fatal(err)
	}
	norm := 0.0
	for _, v := range w.Data() {
		norm += float64(v) * float64(v)
	}
	norm = math.Sqrt(norm)
	if want := (norm - 1) * (norm - 1); math.Abs(float64(gp.Item())-want) > 1e-5 {
		t.Fatalf("penalty %.6f, want (‖w‖-1)² = %.6f", gp.Item(), want)
	}
	// d/dw (‖w‖-1)² = 2(‖w‖-1)·w/‖w‖.
	gp.Backward()
	for i, v := range w.Data() {
		want := 2 * (norm - 1) * float64(v) / norm
		if got := float64(w.Grad().Data()[i]); math.Abs(got-want) > 1e-4 {
			t.Errorf("d penalty/d w[%d] = %.6f, want %.6f", i, got, want)
		}
	}
}

// goldenCritic is the functional critic of gen_golden.py.
func goldenCritic(cw, cb, lw, lb *tensor.Tensor, slope float32) func(x *tensor.Tensor) *tensor.Tensor {
	return func(x *tensor.Tensor) *tensor.Tensor {
		h := tensor.LeakyReLU(tensor.Conv2d(x, cw, cb, tensor.Conv2dOptions{Padding: [2]int{1, 1}}), slope)
		return tensor.Reshape(tensor.Add(tensor.MatMul(tensor.Flatten(h), lw), lb), x.Dim(0))
	}
}

func TestGradientPenaltyMatchesPyTorch(t *testing.T) {
	g := loadGolden(t).GradientPenalty
	cw := tensor.FromSlice(g.ConvWeight, 2, 1, 3, 3).SetRequiresGrad(true)
	cb := tensor.FromSlice(g.ConvBias, 2).SetRequiresGrad(true)
	lw := tensor.FromSlice(g.LinearWeight, 32, 1).SetRequiresGrad(true)
	lb := tensor.FromSlice(g.LinearBias, 1).SetRequiresGrad(true)
	gp, err := GradientPenalty(goldenCritic(cw, cb, lw, lb, 0.2),
		tensor.FromSlice(g.XReal, 3, 1, 4, 4), tensor.FromSlice(g.XFake, 3, 1, 4, 4), tensor.FromSlice(g.Eps))
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(gp.Item())-g.Penalty) > 1e-5*max(1, g.Penalty) {
		t.Fatalf("penalty %.7f, PyTorch %.7f", gp.Item(), g.Penalty)
	}
	gp.Backward()
	for _, c := range []struct {
		name string
		p    *tensor.Tensor
		want []float32
	}{{"conv weight", cw, g.GConvWeight}, {"conv bias", cb, g.GConvBias}, {"linear weight", lw, g.GLinWeight}, {"linear bias", lb, g.GLinBias}} {
		var got []float32
		if c.p.Grad() != nil {
			got = c.p.Grad().Data()
		} else {
			got = make([]float32, len(c.want))
		}
		for i, w := range c.want {
			if math.Abs(float64(got[i]-w)) > 1e-5+1e-4*math.Abs(float64(w)) {
				t.Errorf("d penalty/d %s[%d] = %.7f, PyTorch %.7f", c.name, i, got[i], w)
			}
		}
	}
}

func TestGradientPenaltyGradientMatchesFiniteDifferences(t *testing.T) {
	// A smooth critic (tanh instead of LeakyReLU) so that central
	// differences of the penalty are accurate.
	s := tensor.NewRngs(3).Params()
	cw := s.NormalScaled(0, 0.5, 2, 1, 3, 3).SetRequiresGrad(true)
	cb := s.NormalScaled(0, 0.1, 2).SetRequiresGrad(true)
	lw := s.NormalScaled(0, 0.3, 32, 1).SetRequiresGrad(true)
	lb := s.NormalScaled(0, 0.1, 1).SetRequiresGrad(true)
	score := func(x *tensor.Tensor) *tensor.Tensor {
		h := tensor.Tanh(tensor.Conv2d(x, cw, cb, tensor.Conv2dOptions{Padding: [2]int{1, 1}}))
		return tensor.Reshape(tensor.Add(tensor.MatMul(tensor.Flatten(h), lw), lb), x.Dim(0))
	}
	real, fake, eps := s.Uniform(0, 1, 3, 1, 4, 4), s.Normal(3, 1, 4, 4), s.Uniform(0, 1, 3)
	penalty := func() float64 {
		gp, err := GradientPenalty(score, real, fake, eps)
		if err != nil {
			t.Fatal(err)
		}
		return float64(gp.Item())
	}
	gp, _ := GradientPenalty(score, real, fake, eps)
	gp.Backward()
	const h = 1e-2
	for _, p := range []struct {
		name string
		t    *tensor.Tensor
	}{{"conv weight", cw}, {"conv bias", cb}, {"linear weight", lw}} {
		d := p.t.Data()
		for _, i := range []int{0, len(d) / 2, len(d) - 1} {
			old := d[i]
			d[i] = old + h
			up := penalty()
			d[i] = old - h
			down := penalty()
			d[i] = old
			fd := (up - down) / (2 * h)
			got := float64(p.t.Grad().Data()[i])
			if math.Abs(got-fd) > 2e-3+2e-2*math.Abs(fd) {
				t.Errorf("%s[%d]: gradient %.6f, finite difference %.6f", p.name, i, got, fd)
			}
		}
	}
}

func TestGradientPenaltyRejectsMismatchedBatches(t *testing.T) {
	score := func(x *tensor.Tensor) *tensor.Tensor { return tensor.SumAxes(tensor.Flatten(x), []int{1}, false) }
	if _, err := GradientPenalty(score, tensor.Zeros(2, 3), tensor.Zeros(3, 3), tensor.Zeros(2)); err == nil {
		t.Error("real and fake of different shapes: no error")
	}
	if _, err := GradientPenalty(score, tensor.Zeros(2, 3), tensor.Zeros(2, 3), tensor.Zeros(3)); err == nil {
		t.Error("3 weights for a batch of 2: no error")
	}
}
