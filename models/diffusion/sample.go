package diffusion

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

// SampleOptions choose how Sample draws. The zero value samples as the
// model's configuration says, except that its Eta is 0 (deterministic
// DDIM); set Eta to -1 for the configured η.
type SampleOptions struct {
	// Sampler is ddpm (ancestral steps through the posterior, on a
	// respaced chain when Steps < T) or ddim; empty means the configured
	// one.
	Sampler string
	// Steps is the number of denoising steps, at most T; zero means the
	// configured number (T for ddpm, 50 for ddim, unless set).
	Steps int
	// Eta is DDIM's η: 0 is deterministic, 1 has the variance of the
	// (respaced) DDPM posterior. Negative means the configured value.
	Eta float64
	// Labels conditions a class-conditional model (one per sample; -1
	// for none); nil samples unconditionally.
	Labels []int
	// GuidanceScale is the classifier-free guidance weight; zero means
	// the configured one.
	GuidanceScale float64
	// Noise is the starting x_T [n, Shape...]; nil draws it.
	Noise *tensor.Tensor
	// RawWeights samples with the trained weights even when the model
	// keeps an EMA.
	RawWeights bool
	// Check, when set, is called before each denoising step; an error it
	// returns stops sampling and is returned (a server passes its
	// request context's Err, so that work nobody waits for stops).
	Check func() error
}

// resolve fills the options' defaults from the configuration and checks
// them for n samples.
func (d *DDPM) resolve(n int, o SampleOptions) (SampleOptions, error) {
	if o.Sampler == "" {
		o.Sampler = d.c.Sampler
	}
	if o.Sampler != SamplerDDPM && o.Sampler != SamplerDDIM {
		return o, fmt.Errorf("diffusion: unknown sampler %q (ddpm, ddim)", o.Sampler)
	}
	T := d.sched.Len()
	if o.Steps == 0 {
		o.Steps = d.c.SamplingSteps
		if o.Steps == 0 || o.Sampler != d.c.Sampler {
			o.Steps = T
			if o.Sampler == SamplerDDIM {
				o.Steps = min(50, T)
			}
		}
	}
	if o.Steps < 1 || o.Steps > T {
		return o, fmt.Errorf("diffusion: %d sampling steps; want 1 to %d", o.Steps, T)
	}
	if o.Eta < 0 {
		o.Eta = d.c.Eta
	}
	if o.GuidanceScale == 0 {
		o.GuidanceScale = d.c.GuidanceScale
	}
	if n < 1 {
		return o, fmt.Errorf("diffusion: number of samples must be ≥ 1, got %d", n)
	}
	if err := checkLabels(o.Labels, n, d.c.NumClasses); err != nil {
		return o, err
	}
	if o.Noise != nil && !slices.Equal(o.Noise.Shape(), append([]int{n}, d.c.Shape...)) {
		return o, fmt.Errorf("diffusion: starting noise of shape %v, want %v", o.Noise.Shape(), append([]int{n}, d.c.Shape...))
	}
	return o, nil
}

// checkLabels checks sampling labels against a model with numClasses
// classes.
func checkLabels(labels []int, n, numClasses int) error {
	if labels == nil {
		return nil
	}
	if numClasses == 0 {
		return fmt.Errorf("diffusion: labels given to a model that is not class-conditional")
	}
	if len(labels) != n {
		return fmt.Errorf("diffusion: %d labels for %d samples", len(labels), n)
	}
	for i, l := range labels {
		if l < -1 || l >= numClasses {
			return fmt.Errorf("diffusion: label %d (sample %d) outside [-1, %d)", l, i, numClasses)
		}
	}
	return nil
}

// withSamplingWeights runs fn without gradients, with dropout off and,
// unless raw, with the EMA weights in place.
func withSamplingWeights(m, backbone nn.Module, ema *optim.EMA, training, raw bool, fn func()) error {
	if ema != nil && !raw {
		params := nn.Parameters(m)
		if err := ema.Swap(params); err != nil {
			return fmt.Errorf("diffusion: EMA weights: %w", err)
		}
		defer ema.Swap(params)
	}
	nn.SetTraining(backbone, false)
	defer nn.SetTraining(backbone, training)
	tensor.NoGrad(fn)
	return nil
}

// Sample draws n examples [n, Shape...] in the model's space (images in
// [-1, 1]), with noise from rngs' "sample" stream.
func (d *DDPM) Sample(n int, o SampleOptions, rngs *tensor.Rngs) (*tensor.Tensor, error) {
	o, err := d.resolve(n, o)
	if err != nil {
		return nil, err
	}
	rng := rngs.Sample()
	x := o.Noise
	if x == nil {
		x = rng.Normal(append([]int{n}, d.c.Shape...)...)
	}
	g := guide{labels: o.Labels, scale: o.GuidanceScale}
	ts := Timesteps(d.sched.Len(), o.Steps)
	check := o.Check
	if check == nil {
		check = func() error { return nil }
	}
	werr := withSamplingWeights(d, d.Backbone, d.ema, d.training, o.RawWeights, func() {
		if o.Sampler == SamplerDDIM {
			x, err = d.ddim(x, ts, o.Eta, g, rng, check)
			return
		}
		s := d.sched
		if o.Steps < d.sched.Len() {
			s, err = d.sched.Respace(ts)
			if err != nil {
				return
			}
		}
		a := tensor.NewArena()
		for i := len(ts) - 1; i >= 0; i-- {
			if err = check(); err != nil {
				return
			}
			a.Step(func() { x = d.pSample(s, i, ts[i], x, g, rng) }, d, &x)
		}
	})
	if err := errors.Join(werr, err); err != nil {
		return nil, err
	}
	return x, nil
}

// ddim walks x from the last of the timesteps ts down to clean data with
// DDIM steps of parameter η, calling check before each.
func (d *DDPM) ddim(x *tensor.Tensor, ts []int, eta float64, g guide, rng *tensor.Stream, check func() error) (*tensor.Tensor, error) {
	ab := d.sched.AlphasCumprod
	// Each step's activations are the next step's buffers.
	a := tensor.NewArena()
	for i := len(ts) - 1; i >= 0; i-- {
		if err := check(); err != nil {
			return nil, err
		}
		abNext := 1.0
		if i > 0 {
			abNext = ab[ts[i-1]]
		}
		a.Step(func() { x = d.ddimStep(x, ts[i], ab[ts[i]], abNext, eta, g, rng) }, d, &x)
	}
	return x, nil
}

// ddimStep moves x from noise level abFrom (model timestep t) to abTo:
//
//	x' = √ᾱ' x̂_0 + √(1-ᾱ'-σ²) ε̂ + σ z,  σ = η √((1-ᾱ')/(1-ᾱ)) √(1-ᾱ/ᾱ')
//
// (Song et al. 2021, eq. 12 and 16); with η = 0 it is deterministic and
// also runs upwards (abTo < abFrom), which is DDIM inversion.
func (d *DDPM) ddimStep(x *tensor.Tensor, t int, abFrom, abTo, eta float64, g guide, rng *tensor.Stream) *tensor.Tensor {
	x0, eps := d.split(d.output(x, t, g), x, abFrom)
	sigma := 0.0
	if eta > 0 && abTo > abFrom {
		sigma = eta * math.Sqrt((1-abTo)/(1-abFrom)*(1-abFrom/abTo))
	}
	dir := math.Sqrt(max(1-abTo-sigma*sigma, 0))
	out := tensor.Add(tensor.Scale(x0, float32(math.Sqrt(abTo))), tensor.Scale(eps, float32(dir)))
	if sigma > 0 {
		out = tensor.Add(out, tensor.Scale(rng.Normal(x.Shape()...), float32(sigma)))
	}
	return d.wrap(out)
}

// Invert runs deterministic DDIM (η = 0) upwards from clean data x0
// [n, Shape...] (model space) through steps timesteps, returning the x_T
// from which DDIM with the same steps (and labels) draws x0 back, up to
// the error of evaluating each step's noise at its start.
func (d *DDPM) Invert(x0 *tensor.Tensor, steps int, labels []int, rawWeights bool) (*tensor.Tensor, error) {
	n := x0.Dim(0)
	o, err := d.resolve(n, SampleOptions{Sampler: SamplerDDIM, Steps: steps, Labels: labels, RawWeights: rawWeights})
	if err != nil {
		return nil, err
	}
	if !slices.Equal(x0.Shape(), append([]int{n}, d.c.Shape...)) {
		return nil, fmt.Errorf("diffusion: data of shape %v, want [n %v]", x0.Shape(), d.c.Shape)
	}
	ts := Timesteps(d.sched.Len(), o.Steps)
	ab := d.sched.AlphasCumprod
	g := guide{labels: o.Labels, scale: o.GuidanceScale}
	x := x0
	err = withSamplingWeights(d, d.Backbone, d.ema, d.training, o.RawWeights, func() {
		a := tensor.NewArena()
		for i, t := range ts {
			abFrom, tModel := 1.0, t
			if i > 0 {
				abFrom, tModel = ab[ts[i-1]], ts[i-1]
			}
			a.Step(func() { x = d.ddimStep(x, tModel, abFrom, ab[t], 0, g, nil) }, d, &x)
		}
	})
	return x, err
}

// RowIndependent implements models.RowSampler: an unconditional model
// draws each sample's starting noise and step noise as its own rows; a
// class-conditional one draws the classes in turn.
func (d *DDPM) RowIndependent() bool { return d.c.NumClasses == 0 }

// SampleImages draws n images [n, C, H, W] in [0, 1] with the configured
// sampler, steps and η, using the EMA weights when the model keeps them.
// A class-conditional model draws the classes in turn (0, 1, 2, ...) with
// the configured guidance scale.
func (d *DDPM) SampleImages(n int, rngs *tensor.Rngs) *tensor.Tensor {
	x, err := d.SampleImagesWith(n, SampleOptions{Eta: -1}, rngs)
	if err != nil {
		panic(err)
	}
	return x
}

// SampleImagesWith draws n images [n, C, H, W] in [0, 1] as SampleImages
// does, with the sampler, steps and η of o (see SampleOptions: zero
// fields and a negative Eta take the configured values). A
// class-conditional model without o.Labels draws the classes in turn.
func (d *DDPM) SampleImagesWith(n int, o SampleOptions, rngs *tensor.Rngs) (*tensor.Tensor, error) {
	if o.Labels == nil && d.c.NumClasses > 0 {
		o.Labels = make([]int, n)
		for i := range o.Labels {
			o.Labels[i] = i % d.c.NumClasses
		}
	}
	x, err := d.Sample(n, o, rngs)
	if err != nil {
		return nil, err
	}
	return toImages(x, d.c.Images), nil
}

// toImages maps model-space samples to [0, 1] images.
func toImages(x *tensor.Tensor, signed bool) *tensor.Tensor {
	if signed {
		x = tensor.Scale(tensor.AddScalar(x, 1), 0.5)
	}
	return tensor.Clamp(x, 0, 1)
}

// PointDim returns D for a model of vectors [D] (models.PointSampler),
// and 0 for images and sequences.
func (d *DDPM) PointDim() int {
	if len(d.c.Shape) != 1 || d.c.Images {
		return 0
	}
	return d.c.Shape[0]
}

// SamplePoints draws n vectors [n, D] with the configured sampler (and
// the EMA weights when the model keeps them).
func (d *DDPM) SamplePoints(n int, rngs *tensor.Rngs) *tensor.Tensor {
	x, err := d.Sample(n, SampleOptions{Eta: -1}, rngs)
	if err != nil {
		panic(err)
	}
	return x
}
