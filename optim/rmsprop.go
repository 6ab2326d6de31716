package optim

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/nn"
)

// RMSPropConfig holds the hyper-parameters of RMSProp.
type RMSPropConfig struct {
	LR float64
	// Alpha is the decay of the squared-gradient average; zero means
	// PyTorch's default 0.99.
	Alpha float64
	// Eps is added to the root of the average; zero means PyTorch's 1e-8.
	Eps         float64
	WeightDecay float64 // L2 penalty added to the gradient
	Momentum    float64
	// Centered normalises by an estimate of the gradient's variance
	// instead of its second moment.
	Centered bool
}

// RMSProp implements torch.optim.RMSprop:
//
//	g = g + wd·p
//	s = α·s + (1-α)·g²
//	centered: a = α·a + (1-α)·g;  d = √(s - a²) + eps, else d = √s + eps
//	momentum: buf = μ·buf + g/d;  p = p - lr·buf, else p = p - lr·g/d
type RMSProp struct {
	base
	cfg RMSPropConfig
}

// NewRMSProp returns an RMSProp optimizer over params.
func NewRMSProp(params []nn.Param, cfg RMSPropConfig) (*RMSProp, error) {
	if cfg.Alpha == 0 {
		cfg.Alpha = 0.99
	}
	if cfg.Eps == 0 {
		cfg.Eps = 1e-8
	}
	if !(cfg.Alpha > 0 && cfg.Alpha <= 1) || cfg.Eps < 0 || cfg.Momentum < 0 || cfg.WeightDecay < 0 {
		return nil, fmt.Errorf("optim: RMSProp: invalid alpha %g, eps %g, momentum %g or weight decay %g",
			cfg.Alpha, cfg.Eps, cfg.Momentum, cfg.WeightDecay)
	}
	buffers := []string{"square_avg"}
	if cfg.Momentum > 0 {
		buffers = append(buffers, "momentum_buffer")
	}
	if cfg.Centered {
		buffers = append(buffers, "grad_avg")
	}
	b, err := newBase("RMSProp", params, cfg.LR, buffers...)
	if err != nil {
		return nil, err
	}
	return &RMSProp{base: b, cfg: cfg}, nil
}

// Step applies one RMSProp update to every parameter that has a gradient.
func (o *RMSProp) Step() {
	o.beforeStep()
	o.steps++
	lr, wd := float32(o.lr), float32(o.cfg.WeightDecay)
	a, c := float32(o.cfg.Alpha), float32(1-o.cfg.Alpha)
	eps, mom := float32(o.cfg.Eps), float32(o.cfg.Momentum)
	centered := o.cfg.Centered
	for i, p := range o.params {
		g := p.Tensor.Grad()
		if g == nil {
			continue
		}
		o.pstep[i]++
		sq, _ := o.buffer(0, i, nil)
		// Buffers the configuration does not use stay nil and are never read.
		var buf, avg []float32
		k := 1
		if mom > 0 {
			buf, _ = o.buffer(k, i, nil)
			k++
		}
		if centered {
			avg, _ = o.buffer(k, i, nil)
		}
		w, gd := p.Tensor.Data(), g.Data()
		forRange(len(w), func(lo, hi int) {
			for j := lo; j < hi; j++ {
				gj := gd[j] + wd*w[j]
				s := a*sq[j] + c*gj*gj
				sq[j] = s
				if centered {
					m := a*avg[j] + c*gj
					avg[j] = m
					s -= m * m
				}
				u := gj / (float32(math.Sqrt(float64(s))) + eps)
				if mom > 0 {
					u += mom * buf[j]
					buf[j] = u
				}
				w[j] -= lr * u
			}
		})
	}
}
