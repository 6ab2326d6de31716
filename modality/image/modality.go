package image

import (
	"fmt"
	"maps"
	"slices"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

// Modality is the image modality adapter (factory.WithModality("image")).
// The adapted model takes batches of images as a program has them — in
// the value range and axis layout its configuration's metadata.image
// section names — and brings them to what the family takes ([N, C, H, W]
// in [0, 1]); with augmentation set, training batches are randomly
// flipped and cropped first. Its drawn images are clipped to [0, 1]
// (SampleImages) or given back in the input range (Samples).
//
// metadata.image keys, with their defaults (recorded in the adapted
// model's Config):
//
//	input_range: [0, 1]   value range of the images given to the model
//	layout: nchw          nchw (channels_first) or nhwc (channels_last)
//	flip: false           random horizontal flips while training
//	crop_padding: 0       random crops after padding by this many pixels
type Modality struct{}

// Name is "image".
func (Modality) Name() string { return "image" }

// Options are the settings of an adapted model, read from
// metadata.image.
type Options struct {
	InputRange Range
	Layout     Layout
	Augment    Augment
}

// MetadataKey is the configuration metadata section the options are read
// from and recorded in.
const MetadataKey = "image"

// DefaultOptions are the options for keys metadata.image leaves out.
var DefaultOptions = Options{InputRange: Unit, Layout: NCHW}

// ParseOptions reads the options from a configuration's metadata.image
// section over DefaultOptions. Unknown keys and values of the wrong type
// are errors naming the key.
func ParseOptions(cfg config.ModelConfiguration) (Options, error) {
	o := DefaultOptions
	raw, ok := cfg.Metadata[MetadataKey]
	if !ok || raw == nil {
		return o, nil
	}
	sec, ok := raw.(map[string]any)
	if !ok {
		return o, fmt.Errorf("image: metadata.%s must be a mapping, got %T", MetadataKey, raw)
	}
	for _, k := range slices.Sorted(maps.Keys(sec)) {
		v := sec[k]
		switch k {
		case "input_range":
			lo, hi, ok := pair(v)
			if !ok {
				return o, fmt.Errorf("image: metadata.image.input_range must be [lo, hi], got %v", v)
			}
			o.InputRange = Range{lo, hi}
			if err := o.InputRange.Validate(); err != nil {
				return o, fmt.Errorf("image: metadata.image.input_range: %w", err)
			}
		case "layout":
			s, ok := v.(string)
			if !ok {
				return o, fmt.Errorf("image: metadata.image.layout must be a string, got %v", v)
			}
			l, err := ParseLayout(s)
			if err != nil {
				return o, err
			}
			o.Layout = l
		case "flip":
			b, ok := v.(bool)
			if !ok {
				return o, fmt.Errorf("image: metadata.image.flip must be true or false, got %v", v)
			}
			o.Augment.Flip = b
		case "crop_padding":
			f, ok := number(v)
			if !ok || f < 0 || f != float64(int(f)) {
				return o, fmt.Errorf("image: metadata.image.crop_padding must be an integer ≥ 0, got %v", v)
			}
			o.Augment.CropPadding = int(f)
		default:
			return o, fmt.Errorf("image: unknown key metadata.image.%s; allowed: crop_padding, flip, input_range, layout", k)
		}
	}
	return o, nil
}

// record returns cfg with the effective options in metadata.image.
func (o Options) record(cfg config.ModelConfiguration) config.ModelConfiguration {
	cfg = cfg.Clone()
	if cfg.Metadata == nil {
		cfg.Metadata = map[string]any{}
	}
	cfg.Metadata[MetadataKey] = map[string]any{
		"input_range":  []any{o.InputRange.Lo, o.InputRange.Hi},
		"layout":       string(o.Layout),
		"flip":         o.Augment.Flip,
		"crop_padding": o.Augment.CropPadding,
	}
	return cfg
}

// Adapt wraps m. The result is a models.Trainable or a models.Stepper as
// m is, a models.ImageSampler, and a models.Evaluator when m is one. It
// fails for families that do not model images, models that draw no
// images, and invalid metadata.image settings.
func (Modality) Adapt(m models.Model, family string) (models.Model, error) {
	// What the modality serves is asked of the model, not of its family's
	// name, so that a user's family of image models is served too.
	sampler, ok := m.(models.ImageSampler)
	if !ok {
		return nil, fmt.Errorf("image: model %q (%s, family %s) does not draw images (models.ImageSampler), so the image modality cannot serve it", m.Config().Name, m.Config().ModelClass, family)
	}
	o, err := ParseOptions(m.Config())
	if err != nil {
		return nil, err
	}
	a := &Adapted{Model: m, sampler: sampler, opts: o, cfg: o.record(m.Config())}
	ev, isEval := m.(models.Evaluator)
	switch inner := m.(type) {
	case models.Trainable:
		if isEval {
			return &trainableEvaluator{a, inner, ev}, nil
		}
		return &trainable{a, inner}, nil
	case models.Stepper:
		if isEval {
			return &stepperEvaluator{a, inner, ev}, nil
		}
		return &stepper{a, inner}, nil
	}
	return nil, fmt.Errorf("image: model %q (%s) has neither a training loss nor a training step", m.Config().Name, m.Config().ModelClass)
}

// Adapted is the common part of an image-adapted model: the wrapped model
// and the conversions between the program's images and the model's.
type Adapted struct {
	// Model is the wrapped model; its parameters are found through it.
	Model   models.Model
	sampler models.ImageSampler
	opts    Options
	cfg     config.ModelConfiguration
}

// EMA implements models.Averager: the wrapped model's average of its
// weights (a diffusion model's), nil when it keeps none, so that the
// trainer updates, saves and restores it through the adapter.
func (a *Adapted) EMA() *optim.EMA {
	if av, ok := a.Model.(models.Averager); ok {
		return av.EMA()
	}
	return nil
}

// imageAdapter is how Of finds the adapter inside the adapted model.
func (a *Adapted) imageAdapter() *Adapted { return a }

// Of returns the adapter of a model the image modality adapted.
func Of(m models.Model) (*Adapted, bool) {
	if x, ok := m.(interface{ imageAdapter() *Adapted }); ok {
		return x.imageAdapter(), true
	}
	return nil, false
}

// Config returns the wrapped model's configuration with the effective
// image options in metadata.image.
func (a *Adapted) Config() config.ModelConfiguration { return a.cfg.Clone() }

// Options returns the adapter's effective options.
func (a *Adapted) Options() Options { return a.opts }

// ToModel converts a batch from the input range and layout to what the
// family takes: [N, C, H, W] in [0, 1].
func (a *Adapted) ToModel(x *tensor.Tensor) (*tensor.Tensor, error) {
	if a.opts.Layout != NCHW || x.NDim() == 4 {
		var err error
		if x, err = ToNCHW(x, a.opts.Layout); err != nil {
			return nil, err
		}
	}
	return Rescale(x, a.opts.InputRange, Unit), nil
}

// FromModel converts model images [N, C, H, W] in [0, 1] to the input
// range and layout, clipping them to the range first.
func (a *Adapted) FromModel(x *tensor.Tensor) (*tensor.Tensor, error) {
	x, err := FromNCHW(Clip(x, Unit), a.opts.Layout)
	if err != nil {
		return nil, err
	}
	return Rescale(x, Unit, a.opts.InputRange), nil
}

// SampleImages draws n images [n, C, H, W] clipped to [0, 1], the
// models.ImageSampler contract, ready for grids and metrics.
func (a *Adapted) SampleImages(n int, rngs *tensor.Rngs) *tensor.Tensor {
	return Clip(a.sampler.SampleImages(n, rngs), Unit)
}

// Samples draws n images in the input range and layout: the model's
// output scaled back to how the program gave its images.
func (a *Adapted) Samples(n int, rngs *tensor.Rngs) (*tensor.Tensor, error) {
	return a.FromModel(a.sampler.SampleImages(n, rngs))
}

// trainBatch converts a training batch and augments it with the
// "image/augment" stream of rngs. A loss computed without gradients (a
// validation loss) sees the batch unaugmented.
func (a *Adapted) trainBatch(b data.Batch, rngs *tensor.Rngs) (data.Batch, error) {
	x, err := a.ToModel(b.Images)
	if err != nil {
		return b, err
	}
	if a.opts.Augment.Active() && tensor.GradEnabled() {
		if x, err = a.opts.Augment.Apply(x, rngs.Stream("image/augment")); err != nil {
			return b, err
		}
	}
	return data.Batch{Images: x, Labels: b.Labels}, nil
}

// The adapted models: one type per combination of the wrapped model's
// training interface and evaluation, so that the adapted model has exactly
// the interfaces the wrapped one has. Each embeds *Adapted, through which
// nn.Parameters finds the wrapped model's parameters.
type (
	trainable struct {
		*Adapted
		inner models.Trainable
	}
	stepper struct {
		*Adapted
		inner models.Stepper
	}
	trainableEvaluator struct {
		*Adapted
		inner models.Trainable
		ev    models.Evaluator
	}
	stepperEvaluator struct {
		*Adapted
		inner models.Stepper
		ev    models.Evaluator
	}
)

// TrainLoss converts (and augments) the batch, then returns the wrapped
// model's loss.
func (t *trainable) TrainLoss(b data.Batch, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	return t.trainLoss(t.inner, b, rngs)
}

// TrainLoss converts (and augments) the batch, then returns the wrapped
// model's loss.
func (t *trainableEvaluator) TrainLoss(b data.Batch, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	return t.trainLoss(t.inner, b, rngs)
}

// Evaluate runs the wrapped model's evaluation on the converted test set.
func (t *trainableEvaluator) Evaluate(test *data.Dataset, rngs *tensor.Rngs) (map[string]float64, error) {
	return t.evaluate(t.ev, test, rngs)
}

// TrainStep converts (and augments) the batch, then runs the wrapped
// model's step.
func (s *stepper) TrainStep(b data.Batch, rngs *tensor.Rngs) (map[string]float64, error) {
	return s.trainStep(s.inner, b, rngs)
}

// Optimizers are the wrapped model's.
func (s *stepper) Optimizers() map[string]optim.Optimizer { return s.inner.Optimizers() }

// TrainStep converts (and augments) the batch, then runs the wrapped
// model's step.
func (s *stepperEvaluator) TrainStep(b data.Batch, rngs *tensor.Rngs) (map[string]float64, error) {
	return s.trainStep(s.inner, b, rngs)
}

// Optimizers are the wrapped model's.
func (s *stepperEvaluator) Optimizers() map[string]optim.Optimizer { return s.inner.Optimizers() }

// Evaluate runs the wrapped model's evaluation on the converted test set.
func (s *stepperEvaluator) Evaluate(test *data.Dataset, rngs *tensor.Rngs) (map[string]float64, error) {
	return s.evaluate(s.ev, test, rngs)
}

// trainLoss is TrainLoss of the adapted losses. A batch that cannot be
// converted (wrong number of axes for the layout) panics, as a wrong shape
// does inside the families: TrainLoss has no error to return.
func (a *Adapted) trainLoss(inner models.Trainable, b data.Batch, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	b, err := a.trainBatch(b, rngs)
	if err != nil {
		panic(err)
	}
	return inner.TrainLoss(b, rngs)
}

func (a *Adapted) trainStep(inner models.Stepper, b data.Batch, rngs *tensor.Rngs) (map[string]float64, error) {
	b, err := a.trainBatch(b, rngs)
	if err != nil {
		return nil, err
	}
	return inner.TrainStep(b, rngs)
}

// evaluate converts the test images (no augmentation) and runs the
// wrapped model's evaluation.
func (a *Adapted) evaluate(inner models.Evaluator, test *data.Dataset, rngs *tensor.Rngs) (map[string]float64, error) {
	if a.opts.InputRange != Unit || a.opts.Layout != NCHW {
		x, err := a.ToModel(test.Images())
		if err != nil {
			return nil, err
		}
		if test, err = data.NewDataset(x.Data(), test.Labels(), x.Dim(1), x.Dim(2), x.Dim(3)); err != nil {
			return nil, fmt.Errorf("image: %w", err)
		}
	}
	return inner.Evaluate(test, rngs)
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case float32:
		return float64(x), true
	}
	return 0, false
}

func pair(v any) (lo, hi float64, ok bool) {
	var xs []any
	switch s := v.(type) {
	case []any:
		xs = s
	case []float64:
		if len(s) == 2 {
			return s[0], s[1], true
		}
		return 0, 0, false
	case []int:
		if len(s) == 2 {
			return float64(s[0]), float64(s[1]), true
		}
		return 0, 0, false
	default:
		return 0, 0, false
	}
	if len(xs) != 2 {
		return 0, 0, false
	}
	lo, ok1 := number(xs[0])
	hi, ok2 := number(xs[1])
	return lo, hi, ok1 && ok2
}
