package sampling

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
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
	stepped, isStepped := m.(models.StepImageSampler)
	switch {
	case o.Diffusion() || (isStepped && o.Check != nil): // a stepped sampler checks between its steps
		so, serr := o.steps(m)
		if serr != nil {
			return nil, serr
		}
		if !isStepped {
			return nil, notDiffusion(m)
		}
		draw(func() { x, err = stepped.SampleImagesStepped(n, so, rngs) })
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
		return SampleImages(m, n, rngs)
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
		return SamplePoints(m, n, rngs)
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

// samplers returns the samplers of m, none when m takes no step options.
func samplers(m models.Model) models.Samplers {
	if st, ok := m.(models.StepSampler); ok {
		return st.Samplers()
	}
	return models.Samplers{}
}

func notDiffusion(m models.Model) error {
	return fmt.Errorf("sampling: sampler, steps and eta choose how a diffusion model samples; model %s is not a diffusion model", Describe(m))
}

// steps checks the sampler, steps and eta of the options against the
// samplers of m and returns them as step options.
func (o Options) steps(m models.Model) (models.StepOptions, error) {
	so := models.StepOptions{Sampler: o.Sampler, Check: o.Check}
	if !o.Diffusion() {
		return so, nil
	}
	ss := samplers(m)
	if len(ss.Names) == 0 {
		return so, notDiffusion(m)
	}
	if o.Sampler != "" && !slices.Contains(ss.Names, o.Sampler) {
		return so, fmt.Errorf("sampling: unknown sampler %q for model %s; allowed: %s", o.Sampler, Describe(m), strings.Join(ss.Names, ", "))
	}
	sampler := cmp.Or(o.Sampler, ss.Default)
	if o.Eta != nil {
		switch {
		case len(ss.Eta) == 0:
			return so, fmt.Errorf("sampling: eta is DDIM's parameter; model %s samples with %s", Describe(m), strings.Join(ss.Names, " or "))
		case !slices.Contains(ss.Eta, sampler):
			return so, fmt.Errorf("sampling: eta is DDIM's parameter; the sampler is %s (choose sampler %s)", sampler, strings.Join(ss.Eta, " or "))
		case !(*o.Eta >= 0):
			return so, fmt.Errorf("sampling: eta must be >= 0, got %g", *o.Eta)
		}
		so.Eta = o.Eta
	}
	if o.Steps != nil {
		if *o.Steps < 1 {
			return so, fmt.Errorf("sampling: steps must be >= 1, got %d", *o.Steps)
		}
		so.Steps = *o.Steps
	}
	return so, nil
}

// The names of the options, as OptionNames reports them.
const (
	OptionSampler     = "sampler"
	OptionSteps       = "steps"
	OptionEta         = "eta"
	OptionTemperature = "temperature"
)

// OptionNames returns the options m's drawing reads: sampler and steps
// for a model with samplers (diffusion models, of images or of
// structures), eta where one of them reads it, temperature for flows,
// VAEs, sequence, language and audio models.
func OptionNames(m models.Model) []string {
	stepOptions := func() []string {
		ss := samplers(m)
		if len(ss.Names) == 0 {
			return nil
		}
		if len(ss.Eta) > 0 {
			return []string{OptionSampler, OptionSteps, OptionEta}
		}
		return []string{OptionSampler, OptionSteps}
	}
	switch KindOf(m) {
	case Images:
		if is[temperatureImages](m) {
			return []string{OptionTemperature}
		}
		return stepOptions()
	case Points:
		if is[temperaturePoints](m) {
			return []string{OptionTemperature}
		}
	case Shapes:
		return stepOptions()
	case Sequences, Text, Audio:
		return []string{OptionTemperature}
	}
	return nil
}
