// Package diffusion holds the diffusion family: DDPM (Ho et al. 2020)
// trained to predict the noise, the velocity or the clean data, sampled
// with ancestral DDPM steps or deterministic/stochastic DDIM steps (Song et
// al. 2021) on any sub-sequence of its timesteps; a VE-SDE score model
// (Song et al. 2021) sampled with Euler–Maruyama or predictor–corrector;
// and classifier-free guidance (Ho & Salimans 2022) for class-conditional
// backbones. The networks themselves live in models/backbone.
package diffusion

import (
	"fmt"
	"math"
	"slices"
)

// Schedule names accepted by NewSchedule.
const (
	ScheduleLinear    = "linear"
	ScheduleCosine    = "cosine"
	ScheduleQuadratic = "quadratic"
	ScheduleSqrt      = "sqrt"
)

// Schedules lists the beta schedules NewSchedule knows.
var Schedules = []string{ScheduleLinear, ScheduleCosine, ScheduleQuadratic, ScheduleSqrt}

// maxBeta caps the betas of the schedules defined through ᾱ(t), as in
// Nichol & Dhariwal (2021), so the last steps do not become singular.
const maxBeta = 0.999

// Schedule holds the coefficients of a discrete forward process with
// betas β_0..β_{T-1}, in float64 and indexed by timestep:
//
//	ᾱ_t = Π_{s≤t} (1-β_s),  q(x_t|x_0) = N(√ᾱ_t x_0, (1-ᾱ_t) I)
//
// and of the posterior q(x_{t-1}|x_t, x_0) = N(c1_t x_0 + c2_t x_t, β̃_t I).
type Schedule struct {
	Betas             []float64
	Alphas            []float64 // 1 - β_t
	AlphasCumprod     []float64 // ᾱ_t
	AlphasCumprodPrev []float64 // ᾱ_{t-1}, with ᾱ_{-1} = 1
	// PosteriorVariance is β̃_t = β_t (1-ᾱ_{t-1}) / (1-ᾱ_t).
	PosteriorVariance []float64
	// PosteriorLogVarianceClipped is log β̃_t with β̃_0 (which is 0)
	// replaced by β̃_1.
	PosteriorLogVarianceClipped []float64
	PosteriorMeanCoef1          []float64 // c1_t = β_t √ᾱ_{t-1} / (1-ᾱ_t), the weight of x_0
	PosteriorMeanCoef2          []float64 // c2_t = (1-ᾱ_{t-1}) √α_t / (1-ᾱ_t), the weight of x_t
}

// NewSchedule returns the schedule kind with T steps:
//   - linear: β evenly spaced from betaStart to betaEnd (Ho et al.);
//   - quadratic: √β evenly spaced from √betaStart to √betaEnd;
//   - cosine: ᾱ(t) = f(t)/f(0), f(t) = cos²((t/T + s)/(1 + s)·π/2), s =
//     0.008, β_t = min(1 - ᾱ(t+1)/ᾱ(t), 0.999) (Nichol & Dhariwal);
//   - sqrt: ᾱ(t) = 1 - √(t/T + 1e-4), β as for cosine (Li et al.,
//     Diffusion-LM).
//
// betaStart and betaEnd are only read by linear and quadratic.
func NewSchedule(kind string, T int, betaStart, betaEnd float64) (*Schedule, error) {
	if T < 1 {
		return nil, fmt.Errorf("diffusion: number of timesteps must be ≥ 1, got %d", T)
	}
	lin := func(a, b float64, i int) float64 {
		if T == 1 {
			return a
		}
		return a + (b-a)*float64(i)/float64(T-1)
	}
	betas := make([]float64, T)
	switch kind {
	case ScheduleLinear, ScheduleQuadratic:
		if !(betaStart > 0 && betaStart <= betaEnd && betaEnd < 1) {
			return nil, fmt.Errorf("diffusion: %s schedule needs 0 < beta_start ≤ beta_end < 1, got beta_start %g, beta_end %g", kind, betaStart, betaEnd)
		}
		for i := range betas {
			if kind == ScheduleLinear {
				betas[i] = lin(betaStart, betaEnd, i)
			} else {
				b := lin(math.Sqrt(betaStart), math.Sqrt(betaEnd), i)
				betas[i] = b * b
			}
		}
	case ScheduleCosine:
		const s = 0.008
		f := func(t float64) float64 {
			c := math.Cos((t/float64(T) + s) / (1 + s) * math.Pi / 2)
			return c * c
		}
		betasFromAlphaBar(betas, f)
	case ScheduleSqrt:
		betasFromAlphaBar(betas, func(t float64) float64 { return 1 - math.Sqrt(t/float64(T)+1e-4) })
	default:
		return nil, fmt.Errorf("diffusion: unknown beta_schedule %q (known: %v)", kind, Schedules)
	}
	return FromBetas(betas)
}

// betasFromAlphaBar fills betas with 1 - ᾱ(t+1)/ᾱ(t), capped at maxBeta.
func betasFromAlphaBar(betas []float64, abar func(t float64) float64) {
	for i := range betas {
		betas[i] = min(1-abar(float64(i+1))/abar(float64(i)), maxBeta)
	}
}

// FromBetas computes every coefficient from the betas, which must lie in
// (0, 1].
func FromBetas(betas []float64) (*Schedule, error) {
	T := len(betas)
	if T == 0 {
		return nil, fmt.Errorf("diffusion: a schedule needs at least one beta")
	}
	s := &Schedule{
		Betas: slices.Clone(betas), Alphas: make([]float64, T), AlphasCumprod: make([]float64, T), AlphasCumprodPrev: make([]float64, T),
		PosteriorVariance: make([]float64, T), PosteriorLogVarianceClipped: make([]float64, T),
		PosteriorMeanCoef1: make([]float64, T), PosteriorMeanCoef2: make([]float64, T),
	}
	prev := 1.0
	for t, b := range betas {
		if !(b > 0 && b <= 1) {
			return nil, fmt.Errorf("diffusion: beta %d is %g, want 0 < β ≤ 1", t, b)
		}
		s.Alphas[t] = 1 - b
		s.AlphasCumprodPrev[t] = prev
		prev *= 1 - b
		s.AlphasCumprod[t] = prev
		ab, abPrev := s.AlphasCumprod[t], s.AlphasCumprodPrev[t]
		s.PosteriorVariance[t] = b * (1 - abPrev) / (1 - ab)
		s.PosteriorMeanCoef1[t] = b * math.Sqrt(abPrev) / (1 - ab)
		s.PosteriorMeanCoef2[t] = (1 - abPrev) * math.Sqrt(s.Alphas[t]) / (1 - ab)
	}
	for t, v := range s.PosteriorVariance {
		if t == 0 && T > 1 {
			v = s.PosteriorVariance[1]
		}
		s.PosteriorLogVarianceClipped[t] = math.Log(max(v, 1e-20))
	}
	return s, nil
}

// Len returns the number of timesteps T.
func (s *Schedule) Len() int { return len(s.Betas) }

// SNR returns the signal-to-noise ratio ᾱ_t / (1-ᾱ_t) of timestep t.
func (s *Schedule) SNR(t int) float64 { return s.AlphasCumprod[t] / (1 - s.AlphasCumprod[t]) }

// Respace returns the schedule of the sub-chain through the given
// increasing timesteps (Nichol & Dhariwal 2021): it keeps ᾱ at each of
// them, so a model trained on s can be sampled with fewer steps; step i of
// the result corresponds to timestep timesteps[i] of s.
func (s *Schedule) Respace(timesteps []int) (*Schedule, error) {
	betas := make([]float64, len(timesteps))
	prev := 1.0
	for i, t := range timesteps {
		if t < 0 || t >= s.Len() || (i > 0 && t <= timesteps[i-1]) {
			return nil, fmt.Errorf("diffusion: respacing timesteps must increase within [0, %d), got %v", s.Len(), timesteps)
		}
		betas[i] = 1 - s.AlphasCumprod[t]/prev
		prev = s.AlphasCumprod[t]
	}
	return FromBetas(betas)
}

// Timesteps returns n timesteps of a T-step process evenly spaced from 0
// to T-1 inclusive, increasing (the grid DDIM and respaced DDPM sampling
// walk down). n is clamped to [1, T].
func Timesteps(T, n int) []int {
	n = min(max(n, 1), T)
	ts := make([]int, n)
	for i := range ts {
		if n > 1 {
			ts[i] = int(math.Round(float64(i) * float64(T-1) / float64(n-1)))
		} else {
			ts[i] = T - 1
		}
	}
	return ts
}
