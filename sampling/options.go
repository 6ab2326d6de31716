package sampling

import (
	"fmt"
	"slices"
	"strings"

	"github.com/artifex-go/artifex/modality/protein"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/models/diffusion"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/train"
)

// Options choose how a model draws. The zero value draws as the model's
// configuration says; a field left empty (nil, "") keeps the model's own
// value, since every model has its own defaults.
type Options struct {
	// Sampler is a diffusion model's sampler: ddpm or ddim (DDPM),
	// euler_maruyama or pc (ScoreDiffusion).
	Sampler string
	// Steps is a diffusion model's number of denoising steps.
	Steps *int
	// Eta is DDIM's η: 0 is deterministic, 1 has the DDPM posterior's
	// variance.
	Eta *float64
	// Temperature scales the spread of a flow's base or a VAE's prior
	// (language and audio models read it too).
	Temperature *float64
	// Check, when set, is called between the steps of a sampler that has
	// steps (a DDPM's); an error it returns stops the drawing and is
	// returned.
	Check func() error
}

// Diffusion reports whether the options choose how a diffusion model
// samples (Sampler, Steps or Eta).
func (o Options) Diffusion() bool { return o.Sampler != "" || o.Steps != nil || o.Eta != nil }

// temperatureImages is a model that draws images at a temperature (flows,
// VAEs).
type temperatureImages interface {
	SampleImagesAt(n int, temperature float64, rngs *tensor.Rngs) *tensor.Tensor
}

// temperaturePoints is a model that draws points at a temperature (flows
// of vectors).
type temperaturePoints interface {
	SamplePointsAt(n int, temperature float64, rngs *tensor.Rngs) *tensor.Tensor
}

// DrawImages draws n images [n, C, H, W] in [0, 1] from m as the options say,
// with training-mode layers switched off and no gradient recorded.
func DrawImages(m models.Model, n int, o Options, rngs *tensor.Rngs) (*tensor.Tensor, error) {
	if n <= 0 {
		return nil, fmt.Errorf("sampling: number of samples must be > 0, got %d", n)
	}
	if o.Temperature != nil && o.Diffusion() {
		return nil, fmt.Errorf("sampling: temperature applies to flows and VAEs, sampler, steps and eta to diffusion models; not both")
	}
	var x *tensor.Tensor
	var err error
	draw := func(f func()) {
		nn.SetTraining(m, false)
		tensor.NoGrad(f)
	}
	_, ddpm := m.(*diffusion.DDPM)
	switch {
	case o.Diffusion() || (ddpm && o.Check != nil): // a DDPM checks between its steps
		switch d := m.(type) {
		case *diffusion.DDPM:
			opts, oerr := o.ddpm(d)
			if oerr != nil {
				return nil, oerr
			}
			draw(func() { x, err = d.SampleImagesWith(n, opts, rngs) })
		case *diffusion.ScoreDiffusion:
			opts, oerr := o.score()
			if oerr != nil {
				return nil, oerr
			}
			draw(func() { x, err = d.SampleImagesWith(n, opts, rngs) })
		default:
			return nil, fmt.Errorf("sampling: sampler, steps and eta choose how a diffusion model samples; model %s is not a diffusion model", Describe(m))
		}
	case o.Temperature != nil:
		ts, ok := m.(temperatureImages)
		if !ok {
			return nil, fmt.Errorf("sampling: temperature applies to flows and VAEs; model %s has no sampling temperature", Describe(m))
		}
		if !(*o.Temperature > 0) {
			return nil, fmt.Errorf("sampling: temperature must be > 0, got %g", *o.Temperature)
		}
		draw(func() { x = ts.SampleImagesAt(n, *o.Temperature, rngs) })
	default:
		return train.SampleImages(m, n, rngs)
	}
	if err != nil {
		return nil, fmt.Errorf("sampling: %w", err)
	}
	return x, nil
}

// DrawPoints draws n points [n, D] from a model of points as the options say.
func DrawPoints(m models.Model, n int, o Options, rngs *tensor.Rngs) (*tensor.Tensor, error) {
	if o.Diffusion() {
		return nil, fmt.Errorf("sampling: sampler, steps and eta choose how a diffusion model samples; model %s is not a diffusion model", Describe(m))
	}
	if o.Temperature == nil {
		return train.SamplePoints(m, n, rngs)
	}
	ts, ok := m.(temperaturePoints)
	if !ok {
		return nil, fmt.Errorf("sampling: model %s has no sampling temperature", Describe(m))
	}
	if n <= 0 || !(*o.Temperature > 0) {
		return nil, fmt.Errorf("sampling: number of samples (%d) and temperature (%g) must be > 0", n, *o.Temperature)
	}
	var x *tensor.Tensor
	nn.SetTraining(m, false)
	tensor.NoGrad(func() { x = ts.SamplePointsAt(n, *o.Temperature, rngs) })
	return x, nil
}

// ddpm checks the options against a DDPM's samplers.
func (o Options) ddpm(d *diffusion.DDPM) (diffusion.SampleOptions, error) {
	allowed := []string{diffusion.SamplerDDPM, diffusion.SamplerDDIM}
	if o.Sampler != "" && !slices.Contains(allowed, o.Sampler) {
		return diffusion.SampleOptions{}, fmt.Errorf("sampling: unknown sampler %q for a DDPM; allowed: %s", o.Sampler, strings.Join(allowed, ", "))
	}
	sampler := o.Sampler
	if sampler == "" {
		sampler = d.Settings().Sampler
	}
	opts := diffusion.SampleOptions{Sampler: sampler, Eta: -1, Check: o.Check}
	if o.Eta != nil {
		if sampler != diffusion.SamplerDDIM {
			return opts, fmt.Errorf("sampling: eta is DDIM's parameter; the sampler is %s (choose sampler ddim)", sampler)
		}
		if !(*o.Eta >= 0) {
			return opts, fmt.Errorf("sampling: eta must be >= 0, got %g", *o.Eta)
		}
		opts.Eta = *o.Eta
	}
	if o.Steps != nil {
		if *o.Steps < 1 {
			return opts, fmt.Errorf("sampling: steps must be >= 1, got %d", *o.Steps)
		}
		opts.Steps = *o.Steps
	}
	return opts, nil
}

// score checks the options against a score model's samplers.
func (o Options) score() (diffusion.ScoreSampleOptions, error) {
	allowed := []string{diffusion.SamplerEulerMaruyama, diffusion.SamplerPredictorCorrector}
	if o.Sampler != "" && !slices.Contains(allowed, o.Sampler) {
		return diffusion.ScoreSampleOptions{}, fmt.Errorf("sampling: unknown sampler %q for a ScoreDiffusion model; allowed: %s", o.Sampler, strings.Join(allowed, ", "))
	}
	if o.Eta != nil {
		return diffusion.ScoreSampleOptions{}, fmt.Errorf("sampling: eta is DDIM's parameter; a ScoreDiffusion model samples with %s", strings.Join(allowed, " or "))
	}
	opts := diffusion.ScoreSampleOptions{Sampler: o.Sampler}
	if o.Steps != nil {
		if *o.Steps < 1 {
			return opts, fmt.Errorf("sampling: steps must be >= 1, got %d", *o.Steps)
		}
		opts.Steps = *o.Steps
	}
	return opts, nil
}

// The names of the options, as OptionNames reports them.
const (
	OptionSampler     = "sampler"
	OptionSteps       = "steps"
	OptionEta         = "eta"
	OptionTemperature = "temperature"
)

// OptionNames returns the options m's drawing reads: sampler, steps and
// eta for a DDPM (of images or of structures), sampler and steps for a
// ScoreDiffusion model, temperature for flows, VAEs, sequence, language
// and audio models.
func OptionNames(m models.Model) []string {
	diffusionOptions := func(m models.Model) []string {
		switch m.(type) {
		case *diffusion.DDPM:
			return []string{OptionSampler, OptionSteps, OptionEta}
		case *diffusion.ScoreDiffusion:
			return []string{OptionSampler, OptionSteps}
		}
		return nil
	}
	switch KindOf(m) {
	case Images:
		if is[temperatureImages](m) {
			return []string{OptionTemperature}
		}
		return diffusionOptions(m)
	case Points:
		if is[temperaturePoints](m) {
			return []string{OptionTemperature}
		}
	case Shapes:
		if a, ok := m.(*protein.Adapted); ok && a.Diffusion() != nil {
			return diffusionOptions(a.Diffusion())
		}
	case Sequences, Text, Audio:
		return []string{OptionTemperature}
	}
	return nil
}
