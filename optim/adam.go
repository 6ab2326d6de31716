package optim

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/internal/kernels"
	"github.com/artifex-go/artifex/nn"
)

// AdamConfig holds the hyper-parameters of Adam and AdamW.
type AdamConfig struct {
	LR float64
	// Betas are the decay rates of the first and second moment estimates;
	// the zero value means PyTorch's default (0.9, 0.999).
	Betas [2]float64
	// Eps is added to the bias-corrected square root of the second moment;
	// zero means PyTorch's default 1e-8.
	Eps float64
	// WeightDecay is an L2 penalty added to the gradient for Adam and the
	// decoupled decay rate for AdamW (PyTorch's AdamW default is 0.01).
	WeightDecay float64
}

// Adam implements torch.optim.Adam and, when built by NewAdamW,
// torch.optim.AdamW. For parameter p with gradient g at its step t:
//
//	AdamW: p = p·(1 - lr·wd)        Adam: g = g + wd·p
//	m = β1·m + (1-β1)·g
//	v = β2·v + (1-β2)·g²
//	p = p - lr/(1-β1ᵗ) · m / (√v/√(1-β2ᵗ) + eps)
type Adam struct {
	base
	cfg       AdamConfig
	decoupled bool
}

// NewAdam returns an Adam optimizer over params (L2 weight decay).
func NewAdam(params []nn.Param, cfg AdamConfig) (*Adam, error) {
	return newAdam("Adam", params, cfg, false)
}

// NewAdamW returns an AdamW optimizer over params (decoupled weight decay).
func NewAdamW(params []nn.Param, cfg AdamConfig) (*Adam, error) {
	return newAdam("AdamW", params, cfg, true)
}

func newAdam(kind string, params []nn.Param, cfg AdamConfig, decoupled bool) (*Adam, error) {
	if cfg.Betas == [2]float64{} {
		cfg.Betas = [2]float64{0.9, 0.999}
	}
	if cfg.Eps == 0 {
		cfg.Eps = 1e-8
	}
	for k, beta := range cfg.Betas {
		if !(beta >= 0 && beta < 1) {
			return nil, fmt.Errorf("optim: %s: invalid beta%d %g (want 0 ≤ beta < 1)", kind, k+1, beta)
		}
	}
	if cfg.Eps < 0 || cfg.WeightDecay < 0 {
		return nil, fmt.Errorf("optim: %s: invalid eps %g or weight decay %g", kind, cfg.Eps, cfg.WeightDecay)
	}
	b, err := newBase(kind, params, cfg.LR, "exp_avg", "exp_avg_sq")
	if err != nil {
		return nil, err
	}
	return &Adam{base: b, cfg: cfg, decoupled: decoupled}, nil
}

// Step applies one Adam update to every parameter that has a gradient.
func (o *Adam) Step() {
	o.beforeStep()
	o.steps++
	b1, b2 := o.cfg.Betas[0], o.cfg.Betas[1]
	for i, p := range o.params {
		g := p.Tensor.Grad()
		if g == nil {
			continue
		}
		o.pstep[i]++
		t := float64(o.pstep[i])
		m, _ := o.buffer(0, i, nil)
		v, _ := o.buffer(1, i, nil)
		k := kernels.Adam{
			B1: float32(b1), C1: float32(1 - b1),
			B2: float32(b2), C2: float32(1 - b2),
			StepSize: float32(o.lr / (1 - math.Pow(b1, t))),
			InvBC2:   float32(1 / math.Sqrt(1-math.Pow(b2, t))),
			Eps:      float32(o.cfg.Eps),
			Shrink:   1,
		}
		if o.decoupled {
			k.Shrink = float32(1 - o.lr*o.cfg.WeightDecay)
		} else {
			k.L2 = float32(o.cfg.WeightDecay)
		}
		w, gd := p.Tensor.Data(), g.Data()
		forRange(len(w), func(lo, hi int) { k.Update(w[lo:hi], gd[lo:hi], m[lo:hi], v[lo:hi]) })
	}
}
