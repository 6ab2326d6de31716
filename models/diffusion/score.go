package diffusion

import (
	"fmt"
	"math"
	"slices"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

// Samplers of a ScoreDiffusion.
const (
	SamplerEulerMaruyama      = "euler_maruyama"
	SamplerPredictorCorrector = "pc"
)

// ScoreConfig sets up a ScoreDiffusion.
type ScoreConfig struct {
	// Shape is the shape of one example (see Config.Shape).
	Shape []int
	// SigmaMin and SigmaMax bound the noise scales σ(t) = σ_min
	// (σ_max/σ_min)^t, t ∈ [Eps, 1] (defaults 0.01 and 50; Eps 1e-5).
	SigmaMin, SigmaMax, Eps float64
	// Images: as Config.Images.
	Images bool
	// EMADecay and EMAWarmup: as Config's.
	EMADecay  float64
	EMAWarmup bool
	// Sampler is euler_maruyama or pc (default): reverse-diffusion
	// predictor with CorrectorSteps (default 1) Langevin corrector steps
	// of signal-to-noise ratio SNR (default 0.16). SamplingSteps is the
	// number of predictor steps (default 1000).
	Sampler        string
	SamplingSteps  int
	SNR            float64
	CorrectorSteps int
	// Model is the configuration the model reports from Config.
	Model config.ModelConfiguration
	// Notes are remarks on how the model was built that its user should
	// read, such as configuration fields a user backbone does not use.
	Notes []string
}

// ScoreDiffusion is a score-based model with the variance-exploding SDE
// dx = √(dσ²/dt) dw (Song et al. 2021; NCSN's noise scales in continuous
// time). The backbone sees x_t = x_0 + σ(t) z and the time 999·t, and its
// output divided by σ(t) is the score ∇ log p_t(x), trained by denoising
// score matching with weight σ²: the loss is ‖output + z‖².
type ScoreDiffusion struct {
	Backbone Backbone
	c        ScoreConfig
	ema      *optim.EMA
	training bool
}

var (
	_ models.Trainable    = (*ScoreDiffusion)(nil)
	_ models.ImageSampler = (*ScoreDiffusion)(nil)
)

// NewScore builds a ScoreDiffusion around backbone.
func NewScore(backbone Backbone, c ScoreConfig) (*ScoreDiffusion, error) {
	if backbone == nil {
		return nil, fmt.Errorf("diffusion: ScoreDiffusion needs a backbone")
	}
	c.Shape = slices.Clone(c.Shape)
	if len(c.Shape) == 0 {
		return nil, fmt.Errorf("diffusion: the shape of one example is missing")
	}
	if c.SigmaMin == 0 && c.SigmaMax == 0 {
		c.SigmaMin, c.SigmaMax = 0.01, 50
	}
	if c.Eps == 0 {
		c.Eps = 1e-5
	}
	if c.Sampler == "" {
		c.Sampler = SamplerPredictorCorrector
	}
	if c.SamplingSteps == 0 {
		c.SamplingSteps = 1000
	}
	if c.SNR == 0 {
		c.SNR = 0.16
	}
	if c.CorrectorSteps == 0 {
		c.CorrectorSteps = 1
	}
	switch {
	case !(c.SigmaMin > 0 && c.SigmaMin < c.SigmaMax):
		return nil, fmt.Errorf("diffusion: need 0 < sigma_min < sigma_max, got %g and %g", c.SigmaMin, c.SigmaMax)
	case !(c.Eps > 0 && c.Eps < 1):
		return nil, fmt.Errorf("diffusion: the smallest time must be in (0, 1), got %g", c.Eps)
	case c.Sampler != SamplerEulerMaruyama && c.Sampler != SamplerPredictorCorrector:
		return nil, fmt.Errorf("diffusion: unknown score sampler %q (euler_maruyama, pc)", c.Sampler)
	case c.SamplingSteps < 1 || c.SNR < 0 || c.CorrectorSteps < 0:
		return nil, fmt.Errorf("diffusion: sampling_steps %d must be ≥ 1, snr %g and corrector_steps %d ≥ 0", c.SamplingSteps, c.SNR, c.CorrectorSteps)
	case !(c.EMADecay >= 0 && c.EMADecay < 1):
		return nil, fmt.Errorf("diffusion: ema_decay must be in [0, 1), got %g", c.EMADecay)
	}
	m := &ScoreDiffusion{Backbone: backbone, c: c, training: true}
	if c.EMADecay > 0 {
		var err error
		if m.ema, err = newEMA(nn.Parameters(m), c.EMADecay, c.EMAWarmup); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Config returns the model configuration the model was built from.
func (m *ScoreDiffusion) Config() config.ModelConfiguration { return m.c.Model }

// Notes implements models.Noter.
func (m *ScoreDiffusion) Notes() []string { return slices.Clone(m.c.Notes) }

// Settings returns the model's settings, defaults filled in.
func (m *ScoreDiffusion) Settings() ScoreConfig { return m.c }

// EMA returns the average of the weights, nil without one (see DDPM).
func (m *ScoreDiffusion) EMA() *optim.EMA { return m.ema }

// SetTraining records whether the model trains.
func (m *ScoreDiffusion) SetTraining(on bool) { m.training = on }

// Sigma returns σ(t) = σ_min (σ_max/σ_min)^t.
func (m *ScoreDiffusion) Sigma(t float64) float64 {
	return m.c.SigmaMin * math.Pow(m.c.SigmaMax/m.c.SigmaMin, t)
}

// Score returns the model's score ∇ log p_t(x) for a batch at time t.
func (m *ScoreDiffusion) Score(x *tensor.Tensor, t float64) *tensor.Tensor {
	return tensor.Scale(m.Backbone.Forward(x, tensor.Full(float32(999*t), x.Dim(0))), float32(1/m.Sigma(t)))
}

// Loss is the denoising score-matching loss of clean data x0 at times t
// (one per example, in [Eps, 1]) with noise z: the mean over examples of
// the per-example mean of (output + z)².
func (m *ScoreDiffusion) Loss(x0 *tensor.Tensor, t []float64, z *tensor.Tensor) *tensor.Tensor {
	n := x0.Dim(0)
	if len(t) != n {
		panic(fmt.Sprintf("diffusion: %d times for a batch of %d", len(t), n))
	}
	sig := make([]float32, n)
	tt := make([]float32, n)
	for i, ti := range t {
		sig[i], tt[i] = float32(m.Sigma(ti)), float32(999*ti)
	}
	shape := make([]int, x0.NDim())
	for i := range shape {
		shape[i] = 1
	}
	shape[0] = n
	xt := tensor.Add(x0, tensor.Mul(tensor.FromSlice(sig, shape...), z)).Detach()
	out := m.Backbone.Forward(xt, tensor.FromSlice(tt, n))
	return weightedLoss("mse", 0, out, tensor.Neg(z), nil)
}

// TrainLoss draws a time in [Eps, 1] and noise for every example (from
// the "noise" stream) and returns Loss; images are expected in [0, 1].
func (m *ScoreDiffusion) TrainLoss(batch data.Batch, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	x0, err := batchData(batch.Images, m.c.Shape, m.c.Images)
	if err != nil {
		panic(err)
	}
	s := rngs.Stream("noise")
	t := make([]float64, x0.Dim(0))
	for i := range t {
		t[i] = m.c.Eps + (1-m.c.Eps)*s.Float64()
	}
	loss := m.Loss(x0, t, s.Normal(x0.Shape()...))
	return loss, map[string]float64{"loss": float64(loss.Item())}
}

// ScoreSampleOptions choose how ScoreDiffusion.Sample draws; zero fields
// take the configured values.
type ScoreSampleOptions struct {
	Sampler        string
	Steps          int
	SNR            float64
	CorrectorSteps int
	Noise          *tensor.Tensor // starting x at t = 1; nil draws N(0, σ_max²)
	RawWeights     bool
	// Check, when set, is called before each step; an error it returns
	// stops the drawing and is returned.
	Check func() error
}

// Sample draws n examples by integrating the reverse SDE from t = 1 to
// Eps: Euler–Maruyama, or reverse-diffusion predictor steps each preceded
// by Langevin corrector steps (Song et al. 2021, Algorithm 2 and 4). The
// last step returns the noise-free mean.
func (m *ScoreDiffusion) Sample(n int, o ScoreSampleOptions, rngs *tensor.Rngs) (*tensor.Tensor, error) {
	if o.Sampler == "" {
		o.Sampler = m.c.Sampler
	}
	if o.Steps == 0 {
		o.Steps = m.c.SamplingSteps
	}
	if o.SNR == 0 {
		o.SNR = m.c.SNR
	}
	if o.CorrectorSteps == 0 {
		o.CorrectorSteps = m.c.CorrectorSteps
	}
	shape := append([]int{n}, m.c.Shape...)
	switch {
	case n < 1 || o.Steps < 1 || o.CorrectorSteps < 0 || o.SNR < 0:
		return nil, fmt.Errorf("diffusion: %d samples and %d steps must be ≥ 1, corrector steps %d and snr %g ≥ 0", n, o.Steps, o.CorrectorSteps, o.SNR)
	case o.Sampler != SamplerEulerMaruyama && o.Sampler != SamplerPredictorCorrector:
		return nil, fmt.Errorf("diffusion: unknown score sampler %q (euler_maruyama, pc)", o.Sampler)
	case o.Noise != nil && !slices.Equal(o.Noise.Shape(), shape):
		return nil, fmt.Errorf("diffusion: starting noise of shape %v, want %v", o.Noise.Shape(), shape)
	}
	rng := rngs.Sample()
	x := o.Noise
	if x == nil {
		x = rng.NormalScaled(0, float32(m.c.SigmaMax), shape...)
	}
	times := make([]float64, o.Steps)
	for i := range times {
		times[i] = 1 - (1-m.c.Eps)*float64(i)/float64(max(o.Steps-1, 1))
	}
	logRatio := 2 * math.Log(m.c.SigmaMax/m.c.SigmaMin)
	var stopped error
	err := withSamplingWeights(m, m.Backbone, m.ema, m.training, o.RawWeights, func() {
		var mean *tensor.Tensor
		for i, t := range times {
			if o.Check != nil {
				if stopped = o.Check(); stopped != nil {
					return
				}
			}
			sig := m.Sigma(t)
			if o.Sampler == SamplerEulerMaruyama {
				dt := 1.0 / float64(o.Steps)
				if i+1 < len(times) {
					dt = t - times[i+1]
				}
				g2 := sig * sig * logRatio
				mean = tensor.Add(x, tensor.Scale(m.Score(x, t), float32(g2*dt)))
				x = tensor.Add(mean, tensor.Scale(rng.Normal(shape...), float32(math.Sqrt(g2*dt))))
				continue
			}
			for range o.CorrectorSteps {
				s := m.Score(x, t)
				z := rng.Normal(shape...)
				eps := 2 * math.Pow(o.SNR*meanNorm(z)/max(meanNorm(s), 1e-12), 2)
				x = tensor.Add(tensor.Add(x, tensor.Scale(s, float32(eps))), tensor.Scale(z, float32(math.Sqrt(2*eps))))
			}
			next := 0.0
			if i+1 < len(times) {
				next = m.Sigma(times[i+1])
			}
			step := sig*sig - next*next
			mean = tensor.Add(x, tensor.Scale(m.Score(x, t), float32(step)))
			x = tensor.Add(mean, tensor.Scale(rng.Normal(shape...), float32(math.Sqrt(step))))
		}
		x = mean
	})
	if stopped != nil {
		return nil, stopped
	}
	return x, err
}

// meanNorm returns the mean over the batch of each example's L2 norm.
func meanNorm(x *tensor.Tensor) float64 {
	n := x.Dim(0)
	per := x.Size() / n
	v := x.Data()
	total := 0.0
	for i := range n {
		s := 0.0
		for _, a := range v[i*per : (i+1)*per] {
			s += float64(a) * float64(a)
		}
		total += math.Sqrt(s)
	}
	return total / float64(n)
}

// SampleImages draws n images in [0, 1] with the configured sampler.
func (m *ScoreDiffusion) SampleImages(n int, rngs *tensor.Rngs) *tensor.Tensor {
	x, err := m.SampleImagesWith(n, ScoreSampleOptions{}, rngs)
	if err != nil {
		panic(err)
	}
	return x
}

// SampleImagesWith draws n images in [0, 1] with the sampler and steps of
// o (zero fields take the configured values).
func (m *ScoreDiffusion) SampleImagesWith(n int, o ScoreSampleOptions, rngs *tensor.Rngs) (*tensor.Tensor, error) {
	x, err := m.Sample(n, o, rngs)
	if err != nil {
		return nil, err
	}
	return toImages(x, m.c.Images), nil
}
