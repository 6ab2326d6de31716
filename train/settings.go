package train

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/internal/suggest"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

// Settings are the hyper-parameters of a training run. SettingsFromConfig
// reads them from a configuration's metadata.training_defaults; a caller
// (the CLI's flags) then changes the fields it overrides, so explicit
// choices win over the configuration's defaults.
type Settings struct {
	// Dataset names the data set data.Load reads: mnist, fashion-mnist or
	// cifar10.
	Dataset string `json:"dataset"`
	// Epochs is the number of passes over the training set.
	Epochs int `json:"epochs"`
	// Steps, when positive, is the total number of optimisation steps and
	// takes precedence over Epochs.
	Steps int `json:"steps,omitempty"`
	// BatchSize is the number of images per step.
	BatchSize int `json:"batch_size"`
	// Accumulate > 1 makes each optimizer step see Accumulate batches:
	// their gradients are summed, one batch at a time, before one update,
	// which equals an update on a batch Accumulate times as large with
	// the memory of one batch (0 means 1).
	Accumulate int `json:"accumulate,omitempty"`
	// Seed derives every random stream: the model's initialisation, the
	// data order, binarisation and the model's own sampling.
	Seed uint64 `json:"seed"`

	// Optimizer is adam, adamw, sgd or rmsprop.
	Optimizer    string  `json:"optimizer"`
	LearningRate float64 `json:"learning_rate"`
	// Beta1 and Beta2 are Adam's decay rates (adam_beta1, adam_beta2).
	Beta1 float64 `json:"adam_beta1"`
	Beta2 float64 `json:"adam_beta2"`
	// WeightDecay is L2 (adam, sgd, rmsprop) or decoupled (adamw) decay.
	WeightDecay float64 `json:"weight_decay,omitempty"`
	// Momentum is used by sgd and rmsprop.
	Momentum float64 `json:"momentum,omitempty"`
	// GradClip, when positive, clips the global gradient norm (grad_clip).
	GradClip float64 `json:"grad_clip,omitempty"`
	// Schedule is the learning-rate schedule (lr_schedule): constant,
	// cosine, linear, step or exponential; WarmupSteps of linear warm-up
	// precede it.
	Schedule    string  `json:"lr_schedule,omitempty"`
	WarmupSteps int     `json:"warmup_steps,omitempty"`
	MinLR       float64 `json:"min_learning_rate,omitempty"`
	// DecaySteps and Gamma shape the step schedule (lr times Gamma every
	// DecaySteps steps) and the exponential one (lr times Gamma per step).
	DecaySteps int     `json:"lr_decay_steps,omitempty"`
	Gamma      float64 `json:"lr_gamma,omitempty"`
	// EMADecay, when positive, keeps an exponential moving average of the
	// parameters (ema_decay), saved in checkpoints and used for sampling
	// and evaluation.
	EMADecay float64 `json:"ema_decay,omitempty"`

	// Binarization is "", "dynamic" (pixels drawn as Bernoulli each time
	// they are seen) or "static" (thresholded at 0.5).
	Binarization string `json:"binarization,omitempty"`
	// Dequantize adds uniform noise to 8-bit pixels (for flows).
	Dequantize bool `json:"dequantize,omitempty"`
	// Range is the value range the model sees, [0, 1] (the data sets') or
	// [-1, 1].
	Range [2]float64 `json:"range"`
}

// DefaultSettings are used for what a configuration does not say.
var DefaultSettings = Settings{
	Dataset:      "mnist",
	Epochs:       10,
	BatchSize:    128,
	Optimizer:    "adam",
	LearningRate: 1e-3,
	Beta1:        0.9,
	Beta2:        0.999,
	Range:        [2]float64{0, 1},
}

// Optimizers lists the optimizer names Settings.Optimizer accepts.
var Optimizers = []string{"adam", "adamw", "sgd", "rmsprop"}

// Schedules lists the learning-rate schedules Settings.Schedule accepts.
var Schedules = []string{"constant", "cosine", "linear", "step", "exponential"}

// SettingsFromConfig reads cfg.Metadata["training_defaults"] over
// DefaultSettings and validates the result. A value of the wrong type or
// out of range is an error naming the key; keys it does not read are
// an error, with the closest known key.
func SettingsFromConfig(cfg config.ModelConfiguration) (Settings, error) {
	s := DefaultSettings
	raw, ok := cfg.Metadata[config.TrainingDefaultsKey]
	if !ok {
		return s, s.Validate()
	}
	td, ok := raw.(map[string]any)
	if !ok {
		return s, fmt.Errorf("train: metadata.training_defaults must be a map, got %s", config.Describe(raw))
	}
	r := reader{m: td}
	r.str("dataset", &s.Dataset)
	r.int("epochs", &s.Epochs)
	r.int("steps", &s.Steps)
	r.int("batch_size", &s.BatchSize)
	r.int("accumulate", &s.Accumulate)
	var seed int
	if r.int("seed", &seed) {
		if seed < 0 {
			r.errs = append(r.errs, fmt.Errorf("seed must be >= 0, got %d", seed))
		}
		s.Seed = uint64(seed)
	}
	r.str("optimizer", &s.Optimizer)
	r.float("learning_rate", &s.LearningRate)
	r.float("adam_beta1", &s.Beta1)
	r.float("adam_beta2", &s.Beta2)
	r.float("weight_decay", &s.WeightDecay)
	r.float("momentum", &s.Momentum)
	r.float("grad_clip", &s.GradClip)
	r.str("lr_schedule", &s.Schedule)
	r.int("warmup_steps", &s.WarmupSteps)
	r.float("min_learning_rate", &s.MinLR)
	r.int("lr_decay_steps", &s.DecaySteps)
	r.float("lr_gamma", &s.Gamma)
	r.float("ema_decay", &s.EMADecay)
	r.str("binarization", &s.Binarization)
	if v, ok := td["dequantize"]; ok {
		if b, ok := v.(bool); ok {
			s.Dequantize = b
		} else {
			r.errs = append(r.errs, fmt.Errorf("dequantize must be true or false, got %s", config.Describe(v)))
		}
	}
	if v, ok := td["range"]; ok {
		if lo, hi, ok := asRange(v); ok {
			s.Range = [2]float64{lo, hi}
		} else {
			r.errs = append(r.errs, fmt.Errorf("range must be [0, 1] or [-1, 1], got %s", config.Describe(v)))
		}
	}
	for _, k := range sortedKeys(td) {
		if !config.IsTrainingSetting(k) {
			hint := ""
			if close := suggest.Closest(k, config.TrainingSettings()); len(close) > 0 {
				hint = fmt.Sprintf(" (did you mean %s?)", strings.Join(close, ", "))
			}
			r.errs = append(r.errs, fmt.Errorf("unknown setting %q%s; known settings: %s (notes that configure nothing go elsewhere in metadata)",
				k, hint, strings.Join(config.TrainingSettings(), ", ")))
		}
	}
	if err := errors.Join(r.errs...); err != nil {
		return s, errors.Join(fmt.Errorf("train: metadata.training_defaults: %w", err), s.Validate())
	}
	return s, s.Validate()
}

// accumulate returns Accumulate, 1 when it is 0.
func (s Settings) accumulate() int { return max(s.Accumulate, 1) }

// Validate checks that the settings can run: known names, positive sizes,
// a finite positive learning rate.
func (s Settings) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if s.Dataset == "" {
		bad("dataset must be named (mnist, fashion-mnist, cifar10)")
	}
	if s.Steps < 0 {
		bad("steps must be >= 0, got %d", s.Steps)
	}
	if s.Steps == 0 && s.Epochs <= 0 {
		bad("epochs must be > 0, got %d", s.Epochs)
	}
	if s.BatchSize <= 0 {
		bad("batch_size must be > 0, got %d", s.BatchSize)
	}
	if s.Accumulate < 0 {
		bad("accumulate must be >= 1 (or 0, meaning 1), got %d", s.Accumulate)
	}
	if !slices.Contains(Optimizers, s.Optimizer) {
		bad("unknown optimizer %q; available: %s", s.Optimizer, strings.Join(Optimizers, ", "))
	}
	if !(s.LearningRate > 0) || math.IsInf(s.LearningRate, 0) {
		bad("learning_rate must be a positive number, got %g", s.LearningRate)
	}
	for i, b := range []float64{s.Beta1, s.Beta2} {
		if !(b >= 0 && b < 1) {
			bad("adam_beta%d must be in [0, 1), got %g", i+1, b)
		}
	}
	for name, v := range map[string]float64{"weight_decay": s.WeightDecay, "momentum": s.Momentum, "grad_clip": s.GradClip, "min_learning_rate": s.MinLR} {
		if !(v >= 0) {
			bad("%s must be >= 0, got %g", name, v)
		}
	}
	if s.Schedule != "" && !slices.Contains(Schedules, s.Schedule) {
		bad("unknown lr_schedule %q; available: %s", s.Schedule, strings.Join(Schedules, ", "))
	}
	if (s.Schedule == "step" || s.Schedule == "exponential") && !(s.Gamma > 0) {
		bad("lr_schedule %s needs lr_gamma > 0, got %g", s.Schedule, s.Gamma)
	}
	if s.Schedule == "step" && s.DecaySteps <= 0 {
		bad("lr_schedule step needs lr_decay_steps > 0, got %d", s.DecaySteps)
	}
	if s.WarmupSteps < 0 {
		bad("warmup_steps must be >= 0, got %d", s.WarmupSteps)
	}
	if !(s.EMADecay >= 0 && s.EMADecay < 1) {
		bad("ema_decay must be in [0, 1), got %g", s.EMADecay)
	}
	if s.Binarization != "" && s.Binarization != "dynamic" && s.Binarization != "static" {
		bad("binarization must be dynamic or static, got %q", s.Binarization)
	}
	if s.Binarization != "" && s.Dequantize {
		bad("binarization and dequantize exclude each other")
	}
	if s.Range != [2]float64{0, 1} && s.Range != [2]float64{-1, 1} {
		bad("range must be [0, 1] or [-1, 1], got %v", s.Range)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("train: settings: %w", err)
	}
	return nil
}

// Transform returns the preprocessing the settings ask for, drawing its
// randomness from rngs (streams "data/binarize", "data/dequantize"), so
// it is reproducible from the seed and resumable from a checkpoint. It
// returns nil when the model sees the images as loaded.
func (s Settings) Transform(rngs *tensor.Rngs) data.Transform {
	var ts []data.Transform
	switch s.Binarization {
	case "dynamic":
		ts = append(ts, data.DynamicBinarize(rngs.Stream("data/binarize")))
	case "static":
		ts = append(ts, data.StaticBinarize(0.5))
	}
	if s.Dequantize {
		ts = append(ts, data.Dequantize(rngs.Stream("data/dequantize")))
	}
	if s.Range == [2]float64{-1, 1} {
		ts = append(ts, data.Signed())
	}
	if len(ts) == 0 {
		return nil
	}
	return data.Compose(ts...)
}

// NewOptimizer builds the optimizer the settings name over params, with
// its learning-rate schedule for a run of totalSteps steps. A family with
// several optimizers (a GAN's generator and discriminator) calls it once
// per parameter group.
func NewOptimizer(params []nn.Param, s Settings, totalSteps int) (optim.Optimizer, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	var opt optim.Optimizer
	var err error
	adam := optim.AdamConfig{LR: s.LearningRate, Betas: [2]float64{s.Beta1, s.Beta2}, WeightDecay: s.WeightDecay}
	switch s.Optimizer {
	case "adam":
		opt, err = optim.NewAdam(params, adam)
	case "adamw":
		opt, err = optim.NewAdamW(params, adam)
	case "sgd":
		opt, err = optim.NewSGD(params, optim.SGDConfig{LR: s.LearningRate, Momentum: s.Momentum, WeightDecay: s.WeightDecay})
	case "rmsprop":
		opt, err = optim.NewRMSProp(params, optim.RMSPropConfig{LR: s.LearningRate, Momentum: s.Momentum, WeightDecay: s.WeightDecay})
	}
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	if sched := s.schedule(totalSteps); sched != nil {
		opt = optim.Scheduled{Optimizer: opt, Schedule: sched}
	}
	return opt, nil
}

// schedule returns the learning-rate schedule, nil for a constant rate.
func (s Settings) schedule(totalSteps int) optim.Schedule {
	lr, w := s.LearningRate, s.WarmupSteps
	var after optim.Schedule
	switch s.Schedule {
	case "", "constant":
		if w == 0 {
			return nil
		}
		return optim.LinearWarmup(lr, w)
	case "cosine":
		return optim.CosineWithWarmup(lr, s.MinLR, w, totalSteps)
	case "linear":
		after = optim.Linear(lr, 1, s.MinLR/lr, max(totalSteps-w, 1))
	case "step":
		after = optim.StepDecay(lr, s.DecaySteps, s.Gamma)
	case "exponential":
		after = optim.Exponential(lr, s.Gamma)
	}
	if w == 0 {
		return after
	}
	// The milestones are valid by construction (one, positive), so
	// Sequential cannot fail here.
	seq, _ := optim.Sequential([]optim.Schedule{optim.LinearWarmup(lr, w), after}, []int{w})
	return seq
}

// reader reads typed values from a training_defaults map, collecting
// errors so that one pass reports every bad key.
type reader struct {
	m    map[string]any
	errs []error
}

func (r *reader) int(key string, dst *int) bool {
	v, ok := r.m[key]
	if !ok {
		return false
	}
	i, ok := config.AsInt(v)
	if !ok {
		r.errs = append(r.errs, fmt.Errorf("%s must be an integer, got %s", key, config.Describe(v)))
		return false
	}
	*dst = i
	return true
}

func (r *reader) float(key string, dst *float64) {
	v, ok := r.m[key]
	if !ok {
		return
	}
	f, ok := config.AsFloat(v)
	if !ok {
		r.errs = append(r.errs, fmt.Errorf("%s must be a number, got %s", key, config.Describe(v)))
		return
	}
	*dst = f
}

func (r *reader) str(key string, dst *string) {
	v, ok := r.m[key]
	if !ok {
		return
	}
	s, ok := v.(string)
	if !ok {
		r.errs = append(r.errs, fmt.Errorf("%s must be a string, got %s", key, config.Describe(v)))
		return
	}
	*dst = strings.ToLower(strings.TrimSpace(s))
}

// asRange reads a two-number list such as [-1, 1].
func asRange(v any) (lo, hi float64, ok bool) {
	var xs []any
	switch x := v.(type) {
	case []any:
		xs = x
	case []float64:
		for _, f := range x {
			xs = append(xs, f)
		}
	case []int:
		for _, i := range x {
			xs = append(xs, i)
		}
	}
	if len(xs) != 2 {
		return 0, 0, false
	}
	lo, ok1 := config.AsFloat(xs[0])
	hi, ok2 := config.AsFloat(xs[1])
	return lo, hi, ok1 && ok2
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
