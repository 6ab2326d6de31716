package ebm

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/tensor"
)

// Langevin is the sampler of an energy-based model: from x₀ it runs
//
//	x ← clamp(x − StepSize · clip(∇E(x) / Temperature) + NoiseScale · ξ),  ξ ~ N(0, I)
//
// for Steps steps. With NoiseScale² = 2·StepSize and no clipping or
// clamping this is the unadjusted Langevin algorithm, whose samples
// approach p(x) ∝ exp(−E(x)/Temperature) as StepSize shrinks. Du &
// Mordatch (2019) decouple the two (a large step, small noise and an
// element-wise gradient clip), which trades exactness for fast mixing of
// short chains; both are settings of this one update.
type Langevin struct {
	Steps       int     // mcmc_steps
	StepSize    float64 // step_size
	NoiseScale  float64 // noise_scale: standard deviation of the noise added per step
	GradClip    float64 // gradient_clip: |∂E/∂x_i|/T is clipped to it per element; 0: no clip
	Temperature float64 // temperature T > 0
	// Min and Max clamp every coordinate after each step (the data range);
	// Min = Max = 0 clamps nothing.
	Min, Max float64
}

// check reports the first bad setting, naming the configuration field.
func (l Langevin) check() error {
	switch {
	case l.Steps < 0:
		return fmt.Errorf("parameter %q must be >= 0, got %d", "mcmc_steps", l.Steps)
	case !(l.StepSize >= 0) || math.IsInf(l.StepSize, 0):
		return fmt.Errorf("parameter %q must be a finite number >= 0, got %g", "step_size", l.StepSize)
	case !(l.NoiseScale >= 0) || math.IsInf(l.NoiseScale, 0):
		return fmt.Errorf("parameter %q must be a finite number >= 0, got %g", "noise_scale", l.NoiseScale)
	case !(l.GradClip >= 0):
		return fmt.Errorf("parameter %q must be >= 0 (0: no clipping), got %g", "gradient_clip", l.GradClip)
	case !(l.Temperature > 0) || math.IsInf(l.Temperature, 0):
		return fmt.Errorf("parameter %q must be a finite number > 0, got %g", "temperature", l.Temperature)
	case l.Min > l.Max || math.IsNaN(l.Min) || math.IsNaN(l.Max):
		return fmt.Errorf("parameter %q must be [low, high] with low <= high, got [%g, %g]", "data_range", l.Min, l.Max)
	}
	return nil
}

// Run returns the chains started at x0 (which it leaves unchanged) after
// Steps updates, drawing the noise from s. energy maps a batch to its
// energies [N]; only the gradient with respect to the input is taken, so
// callers that do not want parameter gradients computed should freeze
// them (EBM does). Run records operations even when called inside
// tensor.NoGrad, and the result carries no history.
func (l Langevin) Run(energy func(x *tensor.Tensor) *tensor.Tensor, x0 *tensor.Tensor, s *tensor.Stream) *tensor.Tensor {
	x := x0.Detach().Clone()
	d := x.Data()
	step, noise := float32(l.StepSize), float32(l.NoiseScale)
	invT, clip := float32(1/l.Temperature), float32(l.GradClip)
	lo, hi := float32(l.Min), float32(l.Max)
	clamp := l.Min != 0 || l.Max != 0
	for range l.Steps {
		var g []float32
		tensor.EnableGrad(func() {
			in := tensor.FromSlice(d, x.Shape()...).SetRequiresGrad(true)
			e := tensor.Sum(energy(in))
			g = tensor.Grad([]*tensor.Tensor{e}, []*tensor.Tensor{in}, false)[0].Data()
		})
		for i, gi := range g {
			gi *= invT
			if clip > 0 {
				gi = min(max(gi, -clip), clip)
			}
			v := d[i] - step*gi
			if noise > 0 {
				v += noise * float32(s.NormFloat64())
			}
			if clamp {
				v = min(max(v, lo), hi)
			}
			d[i] = v
		}
	}
	return x
}
