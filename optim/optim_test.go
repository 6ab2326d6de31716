package optim

import (
	"math"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// param makes a named trainable parameter holding vals.
func param(name string, vals ...float32) nn.Param {
	return nn.Param{Name: name, Tensor: tensor.FromSlice(append([]float32(nil), vals...)).SetRequiresGrad(true)}
}

func setGrad(p nn.Param, vals ...float32) {
	p.Tensor.SetGrad(tensor.FromSlice(append([]float32(nil), vals...)))
}

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol*math.Max(1, math.Abs(want)) || got != got {
		t.Errorf("%s = %.9g, want %.9g", what, got, want)
	}
}

func nearSlice(t *testing.T, what string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		near(t, what, float64(got[i]), want[i], tol)
	}
}

func TestSGDPlainStepIsLRTimesGradient(t *testing.T) {
	p := param("w", 1, -2)
	o, err := NewSGD([]nn.Param{p}, SGDConfig{LR: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	setGrad(p, 0.5, 1)
	o.Step()
	nearSlice(t, "w", p.Tensor.Data(), []float64{0.95, -2.1}, 1e-7)
}

func TestSGDWeightDecayAddsL2Gradient(t *testing.T) {
	p := param("w", 1)
	o, _ := NewSGD([]nn.Param{p}, SGDConfig{LR: 0.1, WeightDecay: 0.1})
	setGrad(p, 0.5)
	o.Step()
	nearSlice(t, "w", p.Tensor.Data(), []float64{1 - 0.1*(0.5+0.1)}, 1e-7)
}

func TestSGDMomentumBufferStartsAtGradient(t *testing.T) {
	p := param("w", 1)
	o, _ := NewSGD([]nn.Param{p}, SGDConfig{LR: 0.1, Momentum: 0.9, Dampening: 0.5})
	setGrad(p, 1)
	o.Step() // buf = 1 (no dampening on the first step)
	setGrad(p, 2)
	o.Step() // buf = 0.9 + 0.5·2 = 1.9
	nearSlice(t, "w", p.Tensor.Data(), []float64{1 - 0.1 - 0.19}, 1e-7)
	nearSlice(t, "buf", o.State().Tensor("momentum_buffer/w").Data(), []float64{1.9}, 1e-7)
}

func TestSGDNesterovLooksAhead(t *testing.T) {
	p := param("w", 1)
	o, err := NewSGD([]nn.Param{p}, SGDConfig{LR: 0.1, Momentum: 0.9, Nesterov: true, WeightDecay: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	setGrad(p, 1)
	o.Step() // d = 1.1, buf = 1.1, u = 1.1 + 0.9·1.1 = 2.09
	w1 := 1 - 0.1*2.09
	nearSlice(t, "w after 1", p.Tensor.Data(), []float64{w1}, 1e-7)
	setGrad(p, -1)
	o.Step() // d = -1 + 0.1·w1, buf = 0.9·1.1 + d, u = d + 0.9·buf
	d := -1 + 0.1*w1
	buf := 0.9*1.1 + d
	nearSlice(t, "w after 2", p.Tensor.Data(), []float64{w1 - 0.1*(d+0.9*buf)}, 1e-6)
}

func TestSGDRejectsNesterovWithoutMomentum(t *testing.T) {
	if _, err := NewSGD([]nn.Param{param("w", 1)}, SGDConfig{LR: 0.1, Nesterov: true}); err == nil {
		t.Fatal("want an error")
	}
	if _, err := NewSGD([]nn.Param{param("w", 1), param("w", 2)}, SGDConfig{LR: 0.1}); err == nil {
		t.Fatal("duplicate names: want an error")
	}
}

// adamRef is Adam/AdamW in float64, written from the paper's formulas.
type adamRef struct {
	lr, b1, b2, eps, wd float64
	decoupled           bool
	m, v                []float64
	t                   int
}

func (r *adamRef) step(p []float64, g []float64) {
	r.t++
	for i := range p {
		gi := g[i]
		if r.decoupled {
			p[i] *= 1 - r.lr*r.wd
		} else {
			gi += r.wd * p[i]
		}
		r.m[i] = r.b1*r.m[i] + (1-r.b1)*gi
		r.v[i] = r.b2*r.v[i] + (1-r.b2)*gi*gi
		mhat := r.m[i] / (1 - math.Pow(r.b1, float64(r.t)))
		vhat := r.v[i] / (1 - math.Pow(r.b2, float64(r.t)))
		p[i] -= r.lr * mhat / (math.Sqrt(vhat) + r.eps)
	}
}

func TestAdamFirstStepMovesByLRTimesSign(t *testing.T) {
	p := param("w", 1, 1, 1)
	o, _ := NewAdam([]nn.Param{p}, AdamConfig{LR: 0.01})
	setGrad(p, 3, -0.25, 1e-3)
	o.Step() // bias correction makes m̂/√v̂ = g/|g| exactly
	nearSlice(t, "w", p.Tensor.Data(), []float64{0.99, 1.01, 1 - 0.01*1e-3/(1e-3+1e-8)}, 1e-6)
}

func TestAdamAndAdamWFollowReference(t *testing.T) {
	grads := [][]float64{{0.3, -1, 2}, {0.1, 0.5, -2}, {-0.7, 0.2, 0.1}, {1, 1, 1}, {0, -3, 0.5}}
	for _, decoupled := range []bool{false, true} {
		cfg := AdamConfig{LR: 0.05, Betas: [2]float64{0.8, 0.95}, Eps: 1e-6, WeightDecay: 0.1}
		p := param("w", 0.5, -1, 2)
		var o *Adam
		if decoupled {
			o, _ = NewAdamW([]nn.Param{p}, cfg)
		} else {
			o, _ = NewAdam([]nn.Param{p}, cfg)
		}
		ref := &adamRef{lr: 0.05, b1: 0.8, b2: 0.95, eps: 1e-6, wd: 0.1, decoupled: decoupled, m: make([]float64, 3), v: make([]float64, 3)}
		want := []float64{0.5, -1, 2}
		for _, g := range grads {
			setGrad(p, float32(g[0]), float32(g[1]), float32(g[2]))
			o.Step()
			ref.step(want, g)
		}
		nearSlice(t, o.kind, p.Tensor.Data(), want, 1e-5)
	}
}

func TestAdamSkipsParametersWithoutGradientAndKeepsTheirBiasCorrection(t *testing.T) {
	a, b := param("a", 1), param("b", 1)
	o, _ := NewAdam([]nn.Param{a, b}, AdamConfig{LR: 0.1})
	setGrad(a, 1)
	o.Step()
	o.Step() // a steps twice with the same gradient; b has none
	setGrad(b, 1)
	a.Tensor.ZeroGrad()
	o.Step() // b's first step: a full lr·sign(g) move
	nearSlice(t, "a", a.Tensor.Data(), []float64{0.8}, 1e-6)
	nearSlice(t, "b", b.Tensor.Data(), []float64{0.9}, 1e-6)
	s := o.State()
	if s.Scalars["step"] != 3 || s.Scalars["step/a"] != 2 || s.Scalars["step/b"] != 1 {
		t.Errorf("step counts %v", s.Scalars)
	}
}

// rmsRef is RMSProp in float64 from PyTorch's documented algorithm.
func rmsRef(p float64, grads []float64, lr, alpha, eps, wd, mom float64, centered bool) float64 {
	var sq, avg, buf float64
	for _, g := range grads {
		g += wd * p
		sq = alpha*sq + (1-alpha)*g*g
		d := sq
		if centered {
			avg = alpha*avg + (1-alpha)*g
			d -= avg * avg
		}
		d = math.Sqrt(d) + eps
		if mom > 0 {
			buf = mom*buf + g/d
			p -= lr * buf
		} else {
			p -= lr * g / d
		}
	}
	return p
}

func TestRMSPropVariantsFollowReference(t *testing.T) {
	grads := []float64{0.5, -0.2, 1.5, 0.3, -0.9}
	for _, c := range []RMSPropConfig{
		{LR: 0.01},
		{LR: 0.01, Alpha: 0.9, Momentum: 0.8, WeightDecay: 0.05},
		{LR: 0.01, Centered: true, Eps: 1e-4},
		{LR: 0.01, Centered: true, Momentum: 0.5},
	} {
		p := param("w", 1)
		o, err := NewRMSProp([]nn.Param{p}, c)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range grads {
			setGrad(p, float32(g))
			o.Step()
		}
		want := rmsRef(1, grads, o.cfg.LR, o.cfg.Alpha, o.cfg.Eps, o.cfg.WeightDecay, o.cfg.Momentum, o.cfg.Centered)
		near(t, "RMSProp", float64(p.Tensor.Data()[0]), want, 1e-5)
	}
}

func TestRMSPropFirstStep(t *testing.T) {
	p := param("w", 1)
	o, _ := NewRMSProp([]nn.Param{p}, RMSPropConfig{LR: 0.01})
	setGrad(p, 2)
	o.Step() // s = 0.01·4, step = 0.01·2/(0.2+1e-8)
	near(t, "w", float64(p.Tensor.Data()[0]), 1-0.01*2/(0.2+1e-8), 1e-7)
}

// trajectory runs steps updates with gradients drawn from a fixed stream.
func trajectory(o Optimizer, ps []nn.Param, rng *tensor.Stream, steps int) {
	for range steps {
		for _, p := range ps {
			p.Tensor.SetGrad(rng.Normal(p.Tensor.Shape()...))
		}
		o.Step()
	}
}

func TestStateRoundTripContinuesBitForBit(t *testing.T) {
	makers := map[string]func([]nn.Param) (Optimizer, error){
		"sgd": func(ps []nn.Param) (Optimizer, error) {
			return NewSGD(ps, SGDConfig{LR: 0.1, Momentum: 0.9, Nesterov: true})
		},
		"adam":  func(ps []nn.Param) (Optimizer, error) { return NewAdam(ps, AdamConfig{LR: 0.01, WeightDecay: 0.01}) },
		"adamw": func(ps []nn.Param) (Optimizer, error) { return NewAdamW(ps, AdamConfig{LR: 0.01, WeightDecay: 0.01}) },
		"rmsprop": func(ps []nn.Param) (Optimizer, error) {
			return NewRMSProp(ps, RMSPropConfig{LR: 0.01, Momentum: 0.9, Centered: true})
		},
		"schedule": func(ps []nn.Param) (Optimizer, error) {
			o, err := NewAdam(ps, AdamConfig{})
			return Scheduled{o, StepDecay(0.01, 3, 0.5)}, err
		},
	}
	build := func() []nn.Param {
		rng := tensor.NewRngs(1).Params()
		return []nn.Param{{Name: "l/w", Tensor: rng.Normal(3, 4)}, {Name: "l/b", Tensor: rng.Normal(4)}}
	}
	for name, mk := range makers {
		full, half := build(), build()
		of, _ := mk(full)
		oh, _ := mk(half)
		rf, rh := tensor.NewRngs(7).Sample(), tensor.NewRngs(7).Sample()
		trajectory(of, full, rf, 10)
		trajectory(oh, half, rh, 5)

		resumed := build()
		for i, p := range resumed {
			copy(p.Tensor.Data(), half[i].Tensor.Data())
		}
		or, _ := mk(resumed)
		if err := or.LoadState(oh.State()); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		trajectory(or, resumed, rh, 5)
		for i := range full {
			for j, v := range full[i].Tensor.Data() {
				if v != resumed[i].Tensor.Data()[j] {
					t.Fatalf("%s: %s[%d] = %v after resume, %v uninterrupted", name, full[i].Name, j, resumed[i].Tensor.Data()[j], v)
				}
			}
		}
		if or.Steps() != 10 || or.LR() != of.LR() {
			t.Errorf("%s: steps %d lr %g, want 10 and %g", name, or.Steps(), or.LR(), of.LR())
		}
	}
}

func TestLoadStateRejectsMismatchesNamingTheTensor(t *testing.T) {
	p := param("enc/w", 1, 2)
	o, _ := NewAdam([]nn.Param{p}, AdamConfig{LR: 0.1})
	setGrad(p, 1, 1)
	o.Step()
	good := o.State()

	bad := o.State()
	bad.Tensors[0] = nn.Param{Name: "exp_avg/enc/w", Tensor: tensor.Zeros(3)}
	if err := o.LoadState(bad); err == nil || !strings.Contains(err.Error(), "exp_avg/enc/w") {
		t.Errorf("wrong shape: %v", err)
	}
	bad = o.State()
	bad.Tensors[1].Name = "exp_avg_sq/dec/w"
	if err := o.LoadState(bad); err == nil || !strings.Contains(err.Error(), "dec/w") {
		t.Errorf("unknown parameter: %v", err)
	}
	bad = o.State()
	bad.Tensors = bad.Tensors[:1]
	if err := o.LoadState(bad); err == nil || !strings.Contains(err.Error(), "enc/w") {
		t.Errorf("missing buffer: %v", err)
	}
	sgd, _ := NewSGD([]nn.Param{p}, SGDConfig{LR: 0.1, Momentum: 0.9})
	if err := sgd.LoadState(good); err == nil {
		t.Error("Adam state loaded into SGD")
	}
	if err := o.LoadState(good); err != nil {
		t.Errorf("own state: %v", err)
	}
}
