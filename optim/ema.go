package optim

import (
	"errors"
	"fmt"
	"math"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// EMA keeps an exponential moving average ("shadow" copy) of parameters,
// the weights diffusion models are usually evaluated with:
//
//	shadow = decay·shadow + (1-decay)·param
//
// Its fields choose how the decay of update number n (counted from 1) is
// found, following diffusers' EMAModel: with t = n - UpdateAfterStep - 1,
// the decay is 0 (a plain copy) while t ≤ 0; otherwise it is Decay, capped
// by the warm-ups that are on, and floored at MinDecay.
type EMA struct {
	Decay           float64
	MinDecay        float64
	UpdateAfterStep int
	// Warmup caps the decay at (1 + t)/(10 + t), TensorFlow's num_updates
	// rule: 0.18 at the first averaging update, 0.92 after 100, 0.991
	// after 1,000. An average started with the model then follows the
	// trained weights at first instead of staying near their random
	// initial values for the ~1/(1-Decay) steps a constant decay needs.
	Warmup bool
	// Power > 0 enables diffusers' warm-up, a cap of
	// 1 - (1 + t/InvGamma)^-Power; diffusers suggests 2/3 for long runs
	// and 3/4 for short ones.
	Power float64
	// InvGamma scales the warm-up; zero means 1.
	InvGamma float64

	params  []nn.Param // the parameters the average was made from
	names   []string
	index   map[string]int
	shadows [][]float32
	shapes  [][]int
	updates int
}

// NewEMA starts an average of params at their current values, with a
// constant decay.
func NewEMA(params []nn.Param, decay float64) (*EMA, error) {
	if !(decay >= 0 && decay <= 1) {
		return nil, fmt.Errorf("optim: EMA: invalid decay %g (want 0 ≤ decay ≤ 1)", decay)
	}
	e := &EMA{Decay: decay, index: make(map[string]int, len(params)), params: append([]nn.Param(nil), params...)}
	for i, p := range params {
		if p.Tensor == nil {
			return nil, fmt.Errorf("optim: EMA: parameter %q has no tensor", p.Name)
		}
		if _, dup := e.index[p.Name]; dup {
			return nil, fmt.Errorf("optim: EMA: duplicate parameter name %q", p.Name)
		}
		e.index[p.Name] = i
		e.names = append(e.names, p.Name)
		e.shadows = append(e.shadows, append([]float32(nil), p.Tensor.Data()...))
		e.shapes = append(e.shapes, append([]int(nil), p.Tensor.Shape()...))
	}
	return e, nil
}

// Updates returns how many times Update has been called.
func (e *EMA) Updates() int { return e.updates }

// CurrentDecay returns the decay the next Update will use.
func (e *EMA) CurrentDecay() float64 { return e.decayAt(e.updates + 1) }

func (e *EMA) decayAt(n int) float64 {
	t := float64(n - e.UpdateAfterStep - 1)
	if t <= 0 {
		return 0
	}
	d := e.Decay
	if e.Warmup {
		d = min(d, (1+t)/(10+t))
	}
	if e.Power > 0 {
		invGamma := e.InvGamma
		if invGamma == 0 {
			invGamma = 1
		}
		d = min(d, 1-math.Pow(1+t/invGamma, -e.Power))
	}
	return max(d, e.MinDecay)
}

// Update moves the averages towards params, which must be the parameters
// the EMA was made from (matched by position; names and sizes are checked).
func (e *EMA) Update(params []nn.Param) error {
	if err := e.check(params); err != nil {
		return err
	}
	e.updates++
	d := float32(e.decayAt(e.updates))
	c := 1 - d
	for i, p := range params {
		s, w := e.shadows[i], p.Tensor.Data()
		forRange(len(s), func(lo, hi int) {
			for j := lo; j < hi; j++ {
				s[j] = d*s[j] + c*w[j]
			}
		})
	}
	return nil
}

// UpdateOwn is Update with the parameters the EMA was made from, for a
// caller that reaches a model through a wrapper whose parameter names
// differ (a modality adapter's "model/..." paths).
func (e *EMA) UpdateOwn() error { return e.Update(e.params) }

// Params returns the parameters the average was made from, under the
// names its state uses: a caller that reaches the model through a wrapper
// (a modality adapter) copies the average into them or restarts it from
// them.
func (e *EMA) Params() []nn.Param { return append([]nn.Param(nil), e.params...) }

// CopyTo writes the averages into params.
func (e *EMA) CopyTo(params []nn.Param) error {
	if err := e.check(params); err != nil {
		return err
	}
	for i, p := range params {
		copy(p.Tensor.Data(), e.shadows[i])
	}
	return nil
}

// Swap exchanges the averages and the values of params: call it before
// evaluating with the averaged weights and again afterwards to restore the
// training weights.
func (e *EMA) Swap(params []nn.Param) error {
	if err := e.check(params); err != nil {
		return err
	}
	for i, p := range params {
		s, w := e.shadows[i], p.Tensor.Data()
		for j := range s {
			s[j], w[j] = w[j], s[j]
		}
	}
	return nil
}

// With runs fn with the averages in params and puts the values of params
// back after it, whatever fn returns.
func (e *EMA) With(params []nn.Param, fn func() error) error {
	if err := e.Swap(params); err != nil {
		return err
	}
	ferr := fn()
	return errors.Join(ferr, e.Swap(params))
}

func (e *EMA) check(params []nn.Param) error {
	if len(params) != len(e.names) {
		return fmt.Errorf("optim: EMA: %d parameters given, the average has %d", len(params), len(e.names))
	}
	for i, p := range params {
		if p.Name != e.names[i] || p.Tensor == nil || p.Tensor.Size() != len(e.shadows[i]) {
			return fmt.Errorf("optim: EMA: parameter %d is %q, the average expects %q of shape %v", i, p.Name, e.names[i], e.shapes[i])
		}
	}
	return nil
}

// State returns copies of the averages, named like the parameters, and the
// update count as the scalar "step".
func (e *EMA) State() State {
	s := State{Scalars: map[string]float64{"step": float64(e.updates)}}
	for i, name := range e.names {
		t := tensor.FromSlice(append([]float32(nil), e.shadows[i]...), e.shapes[i]...)
		s.Tensors = append(s.Tensors, nn.Param{Name: name, Tensor: t})
	}
	return s
}

// LoadState restores averages and update count saved by State. Every
// parameter must be present with its shape; on error nothing changes.
func (e *EMA) LoadState(s State) error {
	step, ok := s.Scalars["step"]
	if !ok || step < 0 || step != float64(int(step)) {
		return fmt.Errorf("optim: EMA: state has no valid \"step\" (got %v)", s.Scalars["step"])
	}
	shadows := make([][]float32, len(e.names))
	for _, st := range s.Tensors {
		i, ok := e.index[st.Name]
		if !ok {
			return fmt.Errorf("optim: EMA: state %s matches no parameter", st.Name)
		}
		if st.Tensor == nil || !tensor.SameShape(st.Tensor.Shape(), e.shapes[i]) {
			var got []int
			if st.Tensor != nil {
				got = st.Tensor.Shape()
			}
			return fmt.Errorf("optim: EMA: state %s: shape %v, parameter has %v", st.Name, got, e.shapes[i])
		}
		shadows[i] = append([]float32(nil), st.Tensor.Data()...)
	}
	for i, name := range e.names {
		if shadows[i] == nil {
			return fmt.Errorf("optim: EMA: state has no average for %s", name)
		}
	}
	e.shadows, e.updates = shadows, int(step)
	return nil
}
