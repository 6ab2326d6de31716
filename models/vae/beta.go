package vae

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// Schedule says how the KL term enters the loss at a training step.
//
// Without capacity control the loss is reconstruction + β(t)·KL, where
// β(t) rises linearly from 0 to Beta over WarmupSteps (no warm-up when
// 0): the β-VAE of Higgins et al. (2017), with the KL annealing of Bowman
// et al. (2016).
//
// With UseCapacity it is reconstruction + Gamma·|KL − C(t)|, where the
// capacity C(t) rises linearly from 0 to CapacityMax nats over
// CapacitySteps: Burgess et al. (2018), "Understanding disentangling in
// β-VAE". Beta and WarmupSteps are then unused.
type Schedule struct {
	Beta          float64 // beta (kl_weight for VAE)
	WarmupSteps   int     // beta_warmup_steps
	UseCapacity   bool    // use_capacity
	CapacityMax   float64 // capacity_max, nats
	CapacitySteps int     // capacity_steps
	Gamma         float64 // gamma
}

func (s Schedule) check() error {
	finite := func(f float64) bool { return f >= 0 && !math.IsInf(f, 0) }
	switch {
	case !finite(s.Beta):
		return fmt.Errorf("parameter %q must be a finite number >= 0, got %g", "beta", s.Beta)
	case s.WarmupSteps < 0:
		return fmt.Errorf("parameter %q must be >= 0, got %d", "beta_warmup_steps", s.WarmupSteps)
	case !finite(s.CapacityMax):
		return fmt.Errorf("parameter %q must be a finite number >= 0, got %g", "capacity_max", s.CapacityMax)
	case s.CapacitySteps < 0:
		return fmt.Errorf("parameter %q must be >= 0, got %d", "capacity_steps", s.CapacitySteps)
	case !finite(s.Gamma):
		return fmt.Errorf("parameter %q must be a finite number >= 0, got %g", "gamma", s.Gamma)
	}
	return nil
}

// ramp is min(1, step/steps), 1 when steps is 0.
func ramp(step, steps int) float64 {
	if steps <= 0 || step >= steps {
		return 1
	}
	return float64(step) / float64(steps)
}

// Weight returns β(step).
func (s Schedule) Weight(step int) float64 { return s.Beta * ramp(step, s.WarmupSteps) }

// Capacity returns C(step) in nats.
func (s Schedule) Capacity(step int) float64 { return s.CapacityMax * ramp(step, s.CapacitySteps) }

// penalty is the KL term of the loss for the batch-mean KL at step.
func (s Schedule) penalty(kl *tensor.Tensor, step int) *tensor.Tensor {
	if s.UseCapacity {
		return tensor.Scale(tensor.Abs(tensor.AddScalar(kl, -float32(s.Capacity(step)))), float32(s.Gamma))
	}
	return tensor.Scale(kl, float32(s.Weight(step)))
}

// BetaVAE is a VAE whose KL term follows a Schedule: a weight β with an
// optional linear warm-up, or Burgess et al.'s capacity objective. Every
// method of VAE applies.
type BetaVAE struct {
	*VAE
}

// NewBetaVAE builds a β-VAE; see NewVAE and Schedule.
func NewBetaVAE(cfg config.ModelConfiguration, o Options, s Schedule, rngs *nn.Rngs) (*BetaVAE, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	v, err := newGaussian(cfg, o, s, 0, rngs)
	if err != nil {
		return nil, err
	}
	return &BetaVAE{v}, nil
}
