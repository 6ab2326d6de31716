package train

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

// ErrNonFinite is wrapped by the error a Step returns when a loss or a
// gradient is NaN or infinite. The step must return it before changing
// any parameter, so that the model still holds the last good values.
var ErrNonFinite = errors.New("non-finite value")

// Step is the family-specific part of training: one optimisation update
// on a batch. The Trainer owns everything around it (data, the loop,
// logging, checkpoints, interruption), so a family with its own update
// (a GAN's alternating generator and discriminator steps, each with its
// optimizer) implements Step and reuses the loop unchanged.
type Step interface {
	// Run updates the model on one batch, drawing randomness from rngs,
	// and returns the loss to report with named values to log.
	Run(batch data.Batch, rngs *tensor.Rngs) (loss float64, logs map[string]float64, err error)
	// LR returns the learning rate of the last update, for the log.
	LR() float64
	// State returns what a checkpoint must hold to resume the step's
	// optimisation exactly: the optimizer state and, if one is kept, the
	// parameter average (nil otherwise). A step with several optimizers
	// stores them in one State with prefixed names.
	State() (opt, ema *optim.State)
	// LoadState restores what State returned.
	LoadState(opt, ema *optim.State) error
	// Average returns the exponential moving average of the parameters,
	// or nil when the step keeps none. Samples and evaluations use it in
	// place of the raw parameters.
	Average() *optim.EMA
}

// LossStep is the Step of a Trainable model: the gradient of its
// TrainLoss, optionally clipped, applied by one optimizer, optionally
// followed by an update of the parameter average.
type LossStep struct {
	Model models.Trainable
	Opt   optim.Optimizer
	// GradClip, when positive, is the largest global gradient norm.
	GradClip float64
	// EMA, when not nil, is updated after every step.
	EMA *optim.EMA
	// ModelEMA is the average a models.Averager keeps (a diffusion
	// model's EMA weights), updated like EMA but sampled with by the model
	// itself. At most one of EMA and ModelEMA is set.
	ModelEMA *optim.EMA

	params []nn.Param
	// accumulate > 1 splits each batch into that many parts, one forward
	// and backward pass each (see Settings.Accumulate).
	accumulate int
	// sync, when set (training across processes), makes the gradients
	// and the values it is given the means over the processes; it runs
	// after the backward pass and before any check, on every rank.
	sync func(params []nn.Param, values []float32) error
}

// ForwardRecyclingStep is a Step that says whether it reads any tensor of
// a differentiated forward pass after the Backward that walked it. When it
// does not, the trainer's arena recycles each op's result as soon as its
// backward rule has run (tensor.Arena.RecycleForward); a Step that does
// not implement it keeps its forward results to the step's end.
type ForwardRecyclingStep interface {
	Step
	RecyclesForward() bool
}

// RecyclesForward implements ForwardRecyclingStep: the loss and logs are
// numbers before Backward, and only the optimizer runs after it.
func (st *LossStep) RecyclesForward() bool { return true }

// NewLossStep builds the optimizer (and average) that s asks for over
// the model's parameters, for a run of totalSteps steps.
func NewLossStep(m models.Trainable, s Settings, totalSteps int) (*LossStep, error) {
	params := nn.Parameters(m)
	if len(params) == 0 {
		why := ""
		if n, ok := m.(models.Noter); ok && len(n.Notes()) > 0 {
			why = " (" + strings.Join(n.Notes(), "; ") + ")"
		}
		return nil, fmt.Errorf("train: model %q has no trainable parameters%s", m.Config().Name, why)
	}
	opt, err := NewOptimizer(params, s, totalSteps)
	if err != nil {
		return nil, err
	}
	st := &LossStep{Model: m, Opt: opt, GradClip: s.GradClip, params: params, accumulate: s.accumulate()}
	if a, ok := m.(models.Averager); ok && a.EMA() != nil {
		if s.EMADecay > 0 {
			return nil, fmt.Errorf("train: model %q keeps its own average of its weights (its parameters' ema_decay); training_defaults.ema_decay %g would keep a second one: remove it", m.Config().Name, s.EMADecay)
		}
		st.ModelEMA = a.EMA()
	}
	if s.EMADecay > 0 {
		if st.EMA, err = optim.NewEMA(params, s.EMADecay); err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
	}
	return st, nil
}

// Run computes the loss, checks it and the gradient norm are finite,
// and only then updates the parameters.
func (st *LossStep) Run(batch data.Batch, rngs *tensor.Rngs) (float64, map[string]float64, error) {
	st.Opt.ZeroGrad()
	v, logs, finite := st.backward(batch, rngs)
	if st.sync != nil {
		// Every rank reaches this call, a failing one too, so that a NaN
		// on one rank stops them all.
		mean := []float32{float32(v)}
		if err := st.sync(st.params, mean); err != nil {
			return v, logs, err
		}
		if m := float64(mean[0]); finite && (math.IsNaN(m) || math.IsInf(m, 0)) {
			return v, logs, fmt.Errorf("the loss is %v on another process: %w", m, ErrNonFinite)
		}
	}
	if !finite {
		return v, logs, fmt.Errorf("loss is %v: %w", v, ErrNonFinite)
	}
	// The norm is computed even without clipping: an infinite gradient
	// with a finite loss would otherwise corrupt every parameter at once.
	var norm float64
	if st.GradClip > 0 {
		norm = optim.ClipGradNorm(st.params, st.GradClip)
	} else {
		norm = optim.GradNorm(st.params)
	}
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return v, logs, fmt.Errorf("gradient norm is %v (loss %g): %w", norm, v, ErrNonFinite)
	}
	st.Opt.Step()
	if st.EMA != nil {
		if err := st.EMA.Update(st.params); err != nil {
			return v, logs, fmt.Errorf("train: %w", err)
		}
	}
	if st.ModelEMA != nil { // the model's own average, over its own parameters
		if err := st.ModelEMA.UpdateOwn(); err != nil {
			return v, logs, fmt.Errorf("train: %w", err)
		}
	}
	if logs == nil {
		logs = map[string]float64{}
	}
	logs["grad_norm"] = norm
	return v, logs, nil
}

// backward computes the loss of batch and its gradient: in one pass, or
// with accumulation in st.accumulate parts, each part's loss divided by
// their number so that the gradients sum to the mean loss's; the loss and
// logs returned are then the parts' means. finite is false (and the
// passes stop) at the first loss that is NaN or infinite.
func (st *LossStep) backward(batch data.Batch, rngs *tensor.Rngs) (v float64, logs map[string]float64, finite bool) {
	if st.accumulate <= 1 {
		loss, logs := st.Model.TrainLoss(batch, rngs)
		v := float64(loss.Item())
		finite := !math.IsNaN(v) && !math.IsInf(v, 0)
		if finite {
			loss.Backward()
		}
		return v, logs, finite
	}
	k := st.accumulate
	logs = map[string]float64{}
	for i := range k {
		part := rowsOf(batch, i, k)
		loss, partLogs := st.Model.TrainLoss(part, rngs)
		lv := float64(loss.Item())
		if math.IsNaN(lv) || math.IsInf(lv, 0) {
			return lv, partLogs, false
		}
		tensor.Scale(loss, 1/float32(k)).Backward()
		v += lv / float64(k)
		for name, x := range partLogs {
			logs[name] += x / float64(k)
		}
	}
	return v, logs, true
}

// rowsOf returns part i of k of a batch's rows (the first parts one row
// longer when k does not divide them).
func rowsOf(b data.Batch, i, k int) data.Batch {
	n := b.Images.Dim(0)
	lo, hi := n*i/k, n*(i+1)/k
	per := b.Images.Size() / max(n, 1)
	shape := slices.Clone(b.Images.Shape())
	shape[0] = hi - lo
	out := data.Batch{Images: tensor.FromSlice(slices.Clone(b.Images.Data()[lo*per:hi*per]), shape...)}
	if b.Labels != nil {
		out.Labels = slices.Clone(b.Labels[lo:hi])
	}
	return out
}

// LR returns the optimizer's current learning rate.
func (st *LossStep) LR() float64 { return st.Opt.LR() }

// State returns the optimizer's and the average's states (the model's
// own average, when it keeps one).
func (st *LossStep) State() (opt, ema *optim.State) {
	o := st.Opt.State()
	if avg := st.average(); avg != nil {
		e := avg.State()
		return &o, &e
	}
	return &o, nil
}

// average returns the average to checkpoint: the step's or the model's.
func (st *LossStep) average() *optim.EMA {
	if st.ModelEMA != nil {
		return st.ModelEMA
	}
	return st.EMA
}

// LoadState restores the optimizer and average. A checkpoint without an
// average restores into a step that keeps one only as a fresh average,
// which is an error: the run would silently change its samples.
func (st *LossStep) LoadState(opt, ema *optim.State) error {
	if opt == nil {
		return errors.New("train: checkpoint holds no optimizer state")
	}
	if err := st.Opt.LoadState(*opt); err != nil {
		return fmt.Errorf("train: restoring the optimizer: %w", err)
	}
	return loadAverage(st.average(), ema)
}

// loadAverage restores a parameter average from a checkpoint's state; a
// run and a checkpoint must agree on keeping one.
func loadAverage(avg *optim.EMA, ema *optim.State) error {
	switch {
	case avg == nil && ema != nil:
		return errors.New("train: checkpoint holds a parameter average (ema_decay) but this run keeps none")
	case avg != nil && ema == nil:
		return errors.New("train: this run keeps a parameter average (ema_decay) but the checkpoint holds none")
	case avg != nil:
		if err := avg.LoadState(*ema); err != nil {
			return fmt.Errorf("train: restoring the parameter average: %w", err)
		}
	}
	return nil
}

// Average returns the parameter average the trainer must swap in to
// sample: the step's, nil without ema_decay. A model's own average is not
// returned, since the model samples with it by itself.
func (st *LossStep) Average() *optim.EMA { return st.EMA }
