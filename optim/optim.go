// Package optim updates model parameters from their gradients: SGD, Adam,
// AdamW and RMSProp with PyTorch's semantics, learning-rate schedules,
// gradient clipping and an exponential moving average of parameters.
//
// Optimizers work on a named parameter list (nn.Parameters(model)) so that
// their state can be checkpointed by name. Updates write the parameters'
// float32 storage directly, outside any recorded graph; they never modify
// gradients. Parameters whose gradient is nil are skipped, as in PyTorch.
package optim

import (
	"fmt"
	"sort"
	"strings"

	"github.com/artifex-go/artifex/internal/kernels"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// Optimizer updates a fixed list of parameters from their gradients.
type Optimizer interface {
	// Step applies one update to every parameter that has a gradient.
	Step()
	// ZeroGrad drops the gradients of all parameters.
	ZeroGrad()
	// LR returns the current learning rate.
	LR() float64
	// SetLR changes the learning rate used by the following steps.
	SetLR(lr float64)
	// Steps returns how many times Step has been called (restored by LoadState).
	Steps() int
	// Params returns the parameters being optimised.
	Params() []nn.Param
	// State returns a copy of everything needed to continue exactly.
	State() State
	// LoadState restores a state returned by State on an optimizer of the
	// same kind built over parameters with the same names and shapes.
	LoadState(s State) error
	// SetGradientHook sets a function that Step calls on the parameters
	// before updating them (nil: none). Distributed training uses it to
	// average gradients across processes (package dist), whoever calls
	// Step: the trainer, or a model that steps its own optimizers (a GAN).
	SetGradientHook(hook func(params []nn.Param))
}

// State is the checkpointable state of an optimizer or an EMA: named
// float32 buffers (for an optimizer, "<buffer>/<parameter name>", e.g.
// "exp_avg/encoder/0/weight") and named scalars such as "step" and "lr".
type State struct {
	Tensors []nn.Param
	Scalars map[string]float64
}

// Tensor returns the state tensor with the given name, or nil.
func (s State) Tensor(name string) *tensor.Tensor {
	for _, p := range s.Tensors {
		if p.Name == name {
			return p.Tensor
		}
	}
	return nil
}

// parGrain is the number of elements below which an update runs on the
// calling goroutine: smaller tensors finish before goroutines would start.
const parGrain = 1 << 15

// forRange runs fn over [0, n), split across cores for large n.
func forRange(n int, fn func(lo, hi int)) {
	if n < 2*parGrain {
		fn(0, n)
		return
	}
	kernels.Parallel(n, parGrain, fn)
}

// base holds what every optimizer shares: the parameters, the learning
// rate, the step counters and the per-parameter buffers. Only the buffers
// the configuration uses are listed; each is created on a parameter's first
// update, so a buffer exists exactly when the parameter's step count is
// positive and the saved state has the same shape as PyTorch's.
type base struct {
	hook    func(params []nn.Param)
	kind    string
	params  []nn.Param
	index   map[string]int
	lr      float64
	steps   int
	pstep   []int         // updates applied to each parameter
	names   []string      // buffer names, e.g. "exp_avg", "exp_avg_sq"
	buffers [][][]float32 // buffers[b][i]: buffer b of parameter i, nil before its first update
}

func newBase(kind string, params []nn.Param, lr float64, buffers ...string) (base, error) {
	b := base{kind: kind, params: append([]nn.Param(nil), params...), lr: lr, names: buffers}
	if lr < 0 || lr != lr {
		return b, fmt.Errorf("optim: %s: invalid learning rate %g", kind, lr)
	}
	b.index = make(map[string]int, len(params))
	for i, p := range params {
		if p.Tensor == nil {
			return b, fmt.Errorf("optim: %s: parameter %q has no tensor", kind, p.Name)
		}
		if _, dup := b.index[p.Name]; dup {
			return b, fmt.Errorf("optim: %s: duplicate parameter name %q", kind, p.Name)
		}
		b.index[p.Name] = i
	}
	b.pstep = make([]int, len(params))
	b.buffers = make([][][]float32, len(buffers))
	for k := range b.buffers {
		b.buffers[k] = make([][]float32, len(params))
	}
	return b, nil
}

// SetGradientHook sets the function Step calls before updating.
func (b *base) SetGradientHook(hook func(params []nn.Param)) { b.hook = hook }

// beforeStep runs the gradient hook, if any.
func (b *base) beforeStep() {
	if b.hook != nil {
		b.hook(b.params)
	}
}

// ZeroGrad drops the gradients of all parameters.
func (b *base) ZeroGrad() {
	for _, p := range b.params {
		p.Tensor.ZeroGrad()
	}
}

// LR returns the current learning rate.
func (b *base) LR() float64 { return b.lr }

// SetLR changes the learning rate used by the following steps.
func (b *base) SetLR(lr float64) { b.lr = lr }

// Steps returns how many times Step has been called.
func (b *base) Steps() int { return b.steps }

// Params returns the parameters being optimised.
func (b *base) Params() []nn.Param { return b.params }

// buffer returns buffer k of parameter i, allocating it (zeroed, or as a
// copy of init when init is not nil) on first use. fresh reports whether it
// was just created.
func (b *base) buffer(k, i int, init []float32) (buf []float32, fresh bool) {
	if buf = b.buffers[k][i]; buf != nil {
		return buf, false
	}
	buf = make([]float32, b.params[i].Tensor.Size())
	copy(buf, init)
	b.buffers[k][i] = buf
	return buf, true
}

// State returns copies of the buffers and the counters.
func (b *base) State() State {
	s := State{Scalars: map[string]float64{"step": float64(b.steps), "lr": b.lr}}
	for i, p := range b.params {
		if b.pstep[i] != 0 {
			s.Scalars["step/"+p.Name] = float64(b.pstep[i])
		}
	}
	for k, name := range b.names {
		for i, p := range b.params {
			if buf := b.buffers[k][i]; buf != nil {
				t := tensor.FromSlice(append([]float32(nil), buf...), p.Tensor.Shape()...)
				s.Tensors = append(s.Tensors, nn.Param{Name: name + "/" + p.Name, Tensor: t})
			}
		}
	}
	return s
}

// LoadState checks s against the parameters and replaces the counters and
// buffers with copies of s's. On error nothing is changed.
func (b *base) LoadState(s State) error {
	steps, ok := s.Scalars["step"]
	if !ok {
		return fmt.Errorf("optim: %s: state has no \"step\"", b.kind)
	}
	lr, ok := s.Scalars["lr"]
	if !ok {
		return fmt.Errorf("optim: %s: state has no \"lr\"", b.kind)
	}
	pstep := make([]int, len(b.params))
	for name, v := range s.Scalars {
		if name == "step" || name == "lr" {
			continue
		}
		pname, ok := strings.CutPrefix(name, "step/")
		i, known := b.index[pname]
		if !ok || !known {
			return fmt.Errorf("optim: %s: state scalar %q matches no parameter", b.kind, name)
		}
		if v < 0 || v != float64(int(v)) {
			return fmt.Errorf("optim: %s: state scalar %q: invalid step count %g", b.kind, name, v)
		}
		pstep[i] = int(v)
	}
	buffers := make([][][]float32, len(b.names))
	for k := range buffers {
		buffers[k] = make([][]float32, len(b.params))
	}
	for _, st := range s.Tensors {
		k, i, err := b.locate(st.Name)
		if err != nil {
			return err
		}
		want := b.params[i].Tensor.Shape()
		if st.Tensor == nil || !tensor.SameShape(st.Tensor.Shape(), want) {
			var got []int
			if st.Tensor != nil {
				got = st.Tensor.Shape()
			}
			return fmt.Errorf("optim: %s: state %s: shape %v, parameter has %v", b.kind, st.Name, got, want)
		}
		if buffers[k][i] != nil {
			return fmt.Errorf("optim: %s: state %s appears twice", b.kind, st.Name)
		}
		buffers[k][i] = append([]float32(nil), st.Tensor.Data()...)
	}
	for i, p := range b.params {
		for k, name := range b.names {
			if (buffers[k][i] != nil) != (pstep[i] > 0) {
				return fmt.Errorf("optim: %s: state for %s: buffer %q inconsistent with step count %d", b.kind, p.Name, name, pstep[i])
			}
		}
	}
	b.steps, b.lr, b.pstep, b.buffers = int(steps), lr, pstep, buffers
	return nil
}

// locate splits a state tensor name into buffer and parameter indices.
func (b *base) locate(name string) (k, i int, err error) {
	for k, bn := range b.names {
		if pname, ok := strings.CutPrefix(name, bn+"/"); ok {
			if i, ok := b.index[pname]; ok {
				return k, i, nil
			}
			return 0, 0, fmt.Errorf("optim: %s: state %s: no parameter %q", b.kind, name, pname)
		}
	}
	known := append([]string(nil), b.names...)
	sort.Strings(known)
	return 0, 0, fmt.Errorf("optim: %s: state %s: unknown buffer (want one of %v)", b.kind, name, known)
}
