package diffusion

import (
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/tensor"
)

// Samplers implements models.StepSampler: ancestral DDPM steps and DDIM,
// which alone reads η.
func (d *DDPM) Samplers() models.Samplers {
	return models.Samplers{Names: []string{SamplerDDPM, SamplerDDIM}, Default: d.c.Sampler, Eta: []string{SamplerDDIM}}
}

// StepSampleOptions returns the SampleOptions that o asks for.
func StepSampleOptions(o models.StepOptions) SampleOptions {
	opts := SampleOptions{Sampler: o.Sampler, Steps: o.Steps, Eta: -1, Check: o.Check}
	if o.Eta != nil {
		opts.Eta = *o.Eta
	}
	return opts
}

// SampleImagesStepped implements models.StepImageSampler.
func (d *DDPM) SampleImagesStepped(n int, o models.StepOptions, rngs *tensor.Rngs) (*tensor.Tensor, error) {
	return d.SampleImagesWith(n, StepSampleOptions(o), rngs)
}

// Samplers implements models.StepSampler: Euler–Maruyama and
// predictor–corrector; neither reads η.
func (m *ScoreDiffusion) Samplers() models.Samplers {
	return models.Samplers{Names: []string{SamplerEulerMaruyama, SamplerPredictorCorrector}, Default: m.c.Sampler}
}

// SampleImagesStepped implements models.StepImageSampler.
func (m *ScoreDiffusion) SampleImagesStepped(n int, o models.StepOptions, rngs *tensor.Rngs) (*tensor.Tensor, error) {
	return m.SampleImagesWith(n, ScoreSampleOptions{Sampler: o.Sampler, Steps: o.Steps, Check: o.Check}, rngs)
}
