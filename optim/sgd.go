package optim

import (
	"fmt"

	"github.com/artifex-go/artifex/nn"
)

// SGDConfig holds the hyper-parameters of SGD; the zero value of every
// field but LR is PyTorch's default.
type SGDConfig struct {
	LR          float64
	Momentum    float64
	Dampening   float64
	WeightDecay float64 // L2 penalty added to the gradient
	Nesterov    bool
}

// SGD is stochastic gradient descent with optional momentum, dampening,
// Nesterov momentum and L2 weight decay, following torch.optim.SGD:
//
//	d = g + wd·p
//	buf = d on the first step, then momentum·buf + (1-dampening)·d
//	u = d + momentum·buf (Nesterov) or buf (momentum) or d (plain)
//	p = p - lr·u
type SGD struct {
	base
	cfg SGDConfig
}

// NewSGD returns an SGD optimizer over params.
func NewSGD(params []nn.Param, cfg SGDConfig) (*SGD, error) {
	var buffers []string
	if cfg.Momentum != 0 {
		buffers = []string{"momentum_buffer"}
	}
	b, err := newBase("SGD", params, cfg.LR, buffers...)
	if err != nil {
		return nil, err
	}
	switch {
	case cfg.Momentum < 0:
		return nil, fmt.Errorf("optim: SGD: invalid momentum %g", cfg.Momentum)
	case cfg.WeightDecay < 0:
		return nil, fmt.Errorf("optim: SGD: invalid weight decay %g", cfg.WeightDecay)
	case cfg.Nesterov && (cfg.Momentum <= 0 || cfg.Dampening != 0):
		return nil, fmt.Errorf("optim: SGD: Nesterov momentum needs momentum > 0 and zero dampening (momentum %g, dampening %g)", cfg.Momentum, cfg.Dampening)
	}
	return &SGD{base: b, cfg: cfg}, nil
}

// Step applies one SGD update to every parameter that has a gradient.
func (o *SGD) Step() {
	o.beforeStep()
	o.steps++
	lr, wd := float32(o.lr), float32(o.cfg.WeightDecay)
	mom, keep := float32(o.cfg.Momentum), float32(1-o.cfg.Dampening)
	for i, p := range o.params {
		g := p.Tensor.Grad()
		if g == nil {
			continue
		}
		o.pstep[i]++
		w, gd := p.Tensor.Data(), g.Data()
		if mom == 0 {
			forRange(len(w), func(lo, hi int) {
				w, gd := w[lo:hi], gd[lo:hi]
				for j := range w {
					w[j] -= lr * (gd[j] + wd*w[j])
				}
			})
			continue
		}
		buf, fresh := o.buffer(0, i, nil)
		// On the first step the buffer starts as the gradient itself:
		// momentum·0 + 1·d.
		bm, bk := mom, keep
		if fresh {
			bm, bk = 0, 1
		}
		nesterov := o.cfg.Nesterov
		forRange(len(w), func(lo, hi int) {
			w, gd, buf := w[lo:hi], gd[lo:hi], buf[lo:hi]
			for j := range w {
				d := gd[j] + wd*w[j]
				b := bm*buf[j] + bk*d
				buf[j] = b
				if nesterov {
					b = d + mom*b
				}
				w[j] -= lr * b
			}
		})
	}
}
