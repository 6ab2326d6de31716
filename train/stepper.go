package train

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

// StepperStep is the Step of a models.Stepper (a GAN): the model updates
// itself with the optimizers it owns, and the step checks the result,
// keeps the optional parameter average and gathers every optimizer's
// state for the checkpoint.
//
// The loss it reports is the model's "loss" log when there is one, else
// its "d_loss" (the discriminator's loss, which a GAN logs on every step).
type StepperStep struct {
	Model models.Stepper
	// EMA, when not nil, averages all the model's parameters after every
	// step; a GAN's samples then come from the averaged generator.
	EMA *optim.EMA

	params []nn.Param
	names  []string // the optimizers' names, sorted
}

// NewStepperStep prepares the training of a model that steps itself. The
// optimizer settings of s (optimizer, learning_rate, adam_beta1 ...) do
// not apply, since the model's optimizers come from its own parameters:
// a value other than the default is an error naming them, so that it is
// not silently ignored.
func NewStepperStep(m models.Stepper, s Settings) (*StepperStep, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if unused := optimizerSettingsSet(s); len(unused) > 0 {
		return nil, fmt.Errorf("train: model %q (%s) trains with its own optimizers (%s), set by its parameters (e.g. generator_lr, discriminator_lr, beta1, beta2); these training settings would be ignored, remove them: %s",
			m.Config().Name, m.Config().ModelClass, strings.Join(sortedNames(m.Optimizers()), ", "), strings.Join(unused, ", "))
	}
	if s.accumulate() > 1 {
		return nil, fmt.Errorf("train: model %q (%s) steps its own optimizers inside its training step, so its gradients cannot be accumulated over batches (accumulate %d); use a larger batch_size", m.Config().Name, m.Config().ModelClass, s.Accumulate)
	}
	opts := m.Optimizers()
	if len(opts) == 0 {
		return nil, fmt.Errorf("train: model %q steps itself but names no optimizers", m.Config().Name)
	}
	for name, o := range opts {
		if o == nil || name == "" || strings.Contains(name, "/") {
			return nil, fmt.Errorf("train: model %q: optimizer %q must be non-nil with a name without '/'", m.Config().Name, name)
		}
	}
	st := &StepperStep{Model: m, params: nn.Parameters(m), names: sortedNames(opts)}
	if len(st.params) == 0 {
		return nil, fmt.Errorf("train: model %q has no trainable parameters", m.Config().Name)
	}
	if s.EMADecay > 0 {
		var err error
		if st.EMA, err = optim.NewEMA(st.params, s.EMADecay); err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
	}
	return st, nil
}

// optimizerSettingsSet lists the optimizer settings of s that differ from
// DefaultSettings.
func optimizerSettingsSet(s Settings) []string {
	d := DefaultSettings
	var out []string
	for _, c := range []struct {
		key string
		set bool
	}{
		{"optimizer", s.Optimizer != d.Optimizer},
		{"learning_rate", s.LearningRate != d.LearningRate},
		{"adam_beta1", s.Beta1 != d.Beta1},
		{"adam_beta2", s.Beta2 != d.Beta2},
		{"weight_decay", s.WeightDecay != d.WeightDecay},
		{"momentum", s.Momentum != d.Momentum},
		{"grad_clip", s.GradClip != d.GradClip},
		{"lr_schedule", s.Schedule != d.Schedule},
		{"warmup_steps", s.WarmupSteps != d.WarmupSteps},
		{"min_learning_rate", s.MinLR != d.MinLR},
		{"lr_decay_steps", s.DecaySteps != d.DecaySteps},
		{"lr_gamma", s.Gamma != d.Gamma},
	} {
		if c.set {
			out = append(out, c.key)
		}
	}
	return out
}

func sortedNames(opts map[string]optim.Optimizer) []string {
	names := make([]string, 0, len(opts))
	for n := range opts {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Run lets the model update itself on the batch, then checks that its
// logs and parameters are finite. The update has happened by then, so on
// ErrNonFinite the model in memory is spoilt; the trainer stops and the
// last checkpoint keeps the last good parameters.
func (st *StepperStep) Run(batch data.Batch, rngs *tensor.Rngs) (float64, map[string]float64, error) {
	logs, err := st.Model.TrainStep(batch, rngs)
	if err != nil {
		return 0, logs, err
	}
	loss, ok := logs["loss"]
	if !ok {
		loss = logs["d_loss"]
	}
	for _, k := range slices.Sorted(maps.Keys(logs)) {
		if v := logs[k]; math.IsNaN(v) || math.IsInf(v, 0) {
			return v, logs, fmt.Errorf("%s is %v: %w", k, v, ErrNonFinite)
		}
	}
	for _, p := range st.params {
		for _, v := range p.Tensor.Data() {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return loss, logs, fmt.Errorf("parameter %s became %v: %w", p.Name, v, ErrNonFinite)
			}
		}
	}
	if st.EMA != nil {
		if err := st.EMA.Update(st.params); err != nil {
			return loss, logs, fmt.Errorf("train: %w", err)
		}
	}
	return loss, logs, nil
}

// RecyclesForward implements ForwardRecyclingStep for a model that says,
// as a models.ForwardRecycler, that its TrainStep reads nothing of a
// walked forward pass after its Backward.
func (st *StepperStep) RecyclesForward() bool {
	r, ok := st.Model.(models.ForwardRecycler)
	return ok && r.RecyclesForward()
}

// LR returns the learning rate of the "generator" optimizer, or of the
// first optimizer by name when there is none of that name.
func (st *StepperStep) LR() float64 {
	opts := st.Model.Optimizers()
	if g, ok := opts["generator"]; ok {
		return g.LR()
	}
	return opts[st.names[0]].LR()
}

// State returns the states of all the model's optimizers in one State,
// every tensor and scalar name prefixed with its optimizer's name and a
// slash ("generator/exp_avg/...", "discriminator/step"), and the average.
func (st *StepperStep) State() (opt, ema *optim.State) {
	all := optim.State{Scalars: map[string]float64{}}
	opts := st.Model.Optimizers()
	for _, name := range st.names {
		s := opts[name].State()
		for _, p := range s.Tensors {
			all.Tensors = append(all.Tensors, nn.Param{Name: name + "/" + p.Name, Tensor: p.Tensor})
		}
		for k, v := range s.Scalars {
			all.Scalars[name+"/"+k] = v
		}
	}
	if st.EMA != nil {
		e := st.EMA.State()
		return &all, &e
	}
	return &all, nil
}

// LoadState splits a State made by State among the model's optimizers
// and restores the average. Every optimizer must be present.
func (st *StepperStep) LoadState(opt, ema *optim.State) error {
	if opt == nil {
		return errors.New("train: checkpoint holds no optimizer state")
	}
	parts := map[string]*optim.State{}
	for _, name := range st.names {
		parts[name] = &optim.State{Scalars: map[string]float64{}}
	}
	split := func(full string) (*optim.State, string, error) {
		name, rest, ok := strings.Cut(full, "/")
		if p, known := parts[name]; ok && known {
			return p, rest, nil
		}
		return nil, "", fmt.Errorf("train: checkpoint optimizer state %q belongs to none of this model's optimizers (%s)", full, strings.Join(st.names, ", "))
	}
	for _, p := range opt.Tensors {
		part, rest, err := split(p.Name)
		if err != nil {
			return err
		}
		part.Tensors = append(part.Tensors, nn.Param{Name: rest, Tensor: p.Tensor})
	}
	for k, v := range opt.Scalars {
		part, rest, err := split(k)
		if err != nil {
			return err
		}
		part.Scalars[rest] = v
	}
	opts := st.Model.Optimizers()
	for _, name := range st.names {
		if len(parts[name].Scalars) == 0 {
			return fmt.Errorf("train: checkpoint holds no state of the %s optimizer", name)
		}
		if err := opts[name].LoadState(*parts[name]); err != nil {
			return fmt.Errorf("train: restoring the %s optimizer: %w", name, err)
		}
	}
	return loadAverage(st.EMA, ema)
}

// Average returns the parameter average, nil without ema_decay.
func (st *StepperStep) Average() *optim.EMA { return st.EMA }
