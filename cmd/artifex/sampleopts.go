package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/models/diffusion"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/train"
)

// sampleOptions are the sample command's choices of how a model draws;
// the *Set fields say which flags were given, since every model has its
// own defaults for the rest.
type sampleOptions struct {
	sampler                                      string
	steps                                        int
	eta, temperature                             float64
	samplerSet, stepsSet, etaSet, temperatureSet bool
}

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

func (o sampleOptions) diffusionSet() bool { return o.samplerSet || o.stepsSet || o.etaSet }

// describe names a model for an error message.
func describe(m models.Model) string {
	return fmt.Sprintf("%q (%s)", m.Config().Name, m.Config().ModelClass)
}

// images draws n images from m as the options say.
func (o sampleOptions) images(m models.Model, n int, rngs *tensor.Rngs) (*tensor.Tensor, error) {
	if n <= 0 {
		return nil, fmt.Errorf("sample: number of samples must be > 0, got %d", n)
	}
	if o.temperatureSet && o.diffusionSet() {
		return nil, fmt.Errorf("sample: --temperature applies to flows and VAEs, --sampler, --steps and --eta to diffusion models; not both")
	}
	var x *tensor.Tensor
	var err error
	draw := func(f func()) {
		nn.SetTraining(m, false)
		tensor.NoGrad(f)
	}
	switch {
	case o.diffusionSet():
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
			return nil, fmt.Errorf("sample: --sampler, --steps and --eta choose how a diffusion model samples; model %s is not a diffusion model", describe(m))
		}
	case o.temperatureSet:
		ts, ok := m.(temperatureImages)
		if !ok {
			return nil, fmt.Errorf("sample: --temperature applies to flows and VAEs; model %s has no sampling temperature", describe(m))
		}
		if !(o.temperature > 0) {
			return nil, fmt.Errorf("sample: --temperature must be > 0, got %g", o.temperature)
		}
		draw(func() { x = ts.SampleImagesAt(n, o.temperature, rngs) })
	default:
		return train.SampleImages(m, n, rngs)
	}
	if err != nil {
		return nil, fmt.Errorf("sample: %w", err)
	}
	return x, nil
}

// points draws n points from a model of points as the options say.
func (o sampleOptions) points(m models.Model, n int, rngs *tensor.Rngs) (*tensor.Tensor, error) {
	if o.diffusionSet() {
		return nil, fmt.Errorf("sample: --sampler, --steps and --eta choose how a diffusion model samples; model %s is not a diffusion model", describe(m))
	}
	if !o.temperatureSet {
		return train.SamplePoints(m, n, rngs)
	}
	ts, ok := m.(temperaturePoints)
	if !ok {
		return nil, fmt.Errorf("sample: model %s has no sampling temperature", describe(m))
	}
	if n <= 0 || !(o.temperature > 0) {
		return nil, fmt.Errorf("sample: number of samples (%d) and --temperature (%g) must be > 0", n, o.temperature)
	}
	var x *tensor.Tensor
	nn.SetTraining(m, false)
	tensor.NoGrad(func() { x = ts.SamplePointsAt(n, o.temperature, rngs) })
	return x, nil
}

// ddpm checks the options against a DDPM's samplers.
func (o sampleOptions) ddpm(d *diffusion.DDPM) (diffusion.SampleOptions, error) {
	allowed := []string{diffusion.SamplerDDPM, diffusion.SamplerDDIM}
	if o.samplerSet && !slices.Contains(allowed, o.sampler) {
		return diffusion.SampleOptions{}, fmt.Errorf("sample: unknown sampler %q for a DDPM; allowed: %s", o.sampler, strings.Join(allowed, ", "))
	}
	sampler := o.sampler
	if !o.samplerSet {
		sampler = d.Settings().Sampler
	}
	opts := diffusion.SampleOptions{Sampler: sampler, Steps: o.steps, Eta: -1}
	if o.etaSet {
		if sampler != diffusion.SamplerDDIM {
			return opts, fmt.Errorf("sample: --eta is DDIM's parameter; the sampler is %s (add --sampler ddim)", sampler)
		}
		if !(o.eta >= 0) {
			return opts, fmt.Errorf("sample: --eta must be >= 0, got %g", o.eta)
		}
		opts.Eta = o.eta
	}
	if o.stepsSet && o.steps < 1 {
		return opts, fmt.Errorf("sample: --steps must be >= 1, got %d", o.steps)
	}
	return opts, nil
}

// score checks the options against a score model's samplers.
func (o sampleOptions) score() (diffusion.ScoreSampleOptions, error) {
	allowed := []string{diffusion.SamplerEulerMaruyama, diffusion.SamplerPredictorCorrector}
	if o.samplerSet && !slices.Contains(allowed, o.sampler) {
		return diffusion.ScoreSampleOptions{}, fmt.Errorf("sample: unknown sampler %q for a ScoreDiffusion model; allowed: %s", o.sampler, strings.Join(allowed, ", "))
	}
	if o.etaSet {
		return diffusion.ScoreSampleOptions{}, fmt.Errorf("sample: --eta is DDIM's parameter; a ScoreDiffusion model samples with %s", strings.Join(allowed, " or "))
	}
	if o.stepsSet && o.steps < 1 {
		return diffusion.ScoreSampleOptions{}, fmt.Errorf("sample: --steps must be >= 1, got %d", o.steps)
	}
	return diffusion.ScoreSampleOptions{Sampler: o.sampler, Steps: o.steps}, nil
}

// translator is a model that translates images between two domains
// (CycleGAN): Translations returns rows of sources and translations.
type translator interface {
	Translations(x *tensor.Tensor) (*tensor.Tensor, error)
}

// translations translates the first n test images of the data set.
func translations(tr translator, dataset, dataDir string, n int) (*tensor.Tensor, error) {
	if n <= 0 {
		return nil, fmt.Errorf("sample: number of images must be > 0, got %d", n)
	}
	test, err := data.Load(dataset, "test", data.LoadOptions{Dir: dataDir})
	if err != nil {
		return nil, err
	}
	if n < test.Len() {
		if test, _, err = test.Split(n); err != nil {
			return nil, err
		}
	}
	return tr.Translations(test.Images())
}
