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

// Backbone is the network a diffusion model wraps; it is the same
// interface as factory.Backbone. Forward maps a noisy batch x and its
// timesteps t [B] to a tensor of x's shape: the prediction the model was
// configured for (noise, velocity or clean data for DDPM, σ·score for the
// score model). A backbone that is a struct of layers has its parameters
// found and trained with the model's (nn.Parameters walks it).
type Backbone interface {
	Forward(x, t *tensor.Tensor) *tensor.Tensor
}

// LabelBackbone is a class-conditional backbone; a negative label means
// no label (the null class of classifier-free guidance).
type LabelBackbone interface {
	Backbone
	ForwardLabels(x, t *tensor.Tensor, labels []int) *tensor.Tensor
}

// Prediction targets of a DDPM backbone.
const (
	PredictEpsilon = "epsilon"
	PredictV       = "v"
	PredictX0      = "x0"
)

// Samplers of a DDPM.
const (
	SamplerDDPM = "ddpm"
	SamplerDDIM = "ddim"
)

// Config sets up a DDPM. The zero values of the optional fields give
// Ho et al.'s model: ε-prediction, MSE, 1000 linear steps.
type Config struct {
	// Shape is the shape of one example as tensors hold it: [C, H, W] for
	// images, [D] for vectors, [L, D] for sequences.
	Shape []int
	// Timesteps is T (default 1000).
	Timesteps int
	// BetaSchedule is one of Schedules (default linear); BetaStart and
	// BetaEnd (default 1e-4 and 0.02) are read by linear and quadratic.
	BetaSchedule       string
	BetaStart, BetaEnd float64
	// Prediction is what the backbone predicts: epsilon (default), v
	// (Salimans & Ho 2022) or x0.
	Prediction string
	// LossType is mse (default), l1 or huber (with HuberDelta, default 1;
	// PyTorch's smooth_l1 with beta 1 is the same).
	LossType   string
	HuberDelta float64
	// MinSNRGamma > 0 weights each example's loss by min(SNR, γ) over
	// the weight its prediction target already carries (Hang et al. 2023).
	MinSNRGamma float64
	// ClipDenoised clips the predicted clean data to [-1, 1] while
	// sampling, for data in that range.
	ClipDenoised bool
	// Images says the data are images in [0, 1] (as data.Load serves
	// them), which the model maps to [-1, 1] to train and back to sample.
	Images bool
	// WrapAngles keeps noisy data in [-π, π) (FoldingDiff's angles).
	WrapAngles bool
	// EMADecay > 0 keeps an exponential moving average of the weights
	// that sampling uses. EMAWarmup caps its decay at (1 + t)/(10 + t)
	// at averaging update t (optim.EMA.Warmup), so that samples after a
	// few hundred steps come from weights close to the trained ones, not
	// from an average still dominated by the random initial weights.
	EMADecay  float64
	EMAWarmup bool
	// NumClasses > 0 trains a class-conditional model on the batches'
	// labels, dropping each label with probability LabelDropout so that
	// the same network learns the unconditional model used by
	// classifier-free guidance. The backbone must be a LabelBackbone.
	NumClasses   int
	LabelDropout float64
	// GuidanceScale is the default classifier-free guidance weight w:
	// ε = ε_uncond + w (ε_cond - ε_uncond); 1 (the default) is the plain
	// conditional model, 0 the unconditional one.
	GuidanceScale float64
	// Sampler, SamplingSteps and Eta are SampleImages' defaults (ddpm,
	// T steps for ddpm and 50 for ddim, η = 0).
	Sampler       string
	SamplingSteps int
	Eta           float64
	// Model is the configuration the model reports from Config.
	Model config.ModelConfiguration
	// Notes are remarks on how the model was built that its user should
	// read, such as configuration fields a user backbone does not use.
	Notes []string
}

// DDPM is a denoising diffusion probabilistic model (Ho et al. 2020).
// Its Backbone is trained by TrainLoss; Sample draws with the ancestral
// DDPM sampler or with DDIM on any number of steps.
//
// EMA: with Config.EMADecay > 0 the model keeps an average of its weights
// (models.Averager), which the trainer updates after every optimizer step
// (train.LossStep; a loop of one's own calls EMA().Update after its
// optimizer's Step). TrainLoss does not touch it, so that it can be called
// several times per update (gradient accumulation).
// Sample and SampleImages use the averaged weights unless told not to;
// EMA returns the average itself, to save with a checkpoint
// (EMA().State()) or to copy into the model (EMA().CopyTo).
type DDPM struct {
	Backbone Backbone
	sched    *Schedule
	c        Config
	ema      *optim.EMA
	training bool
}

var (
	_ models.Trainable    = (*DDPM)(nil)
	_ models.ImageSampler = (*DDPM)(nil)
)

// New builds a DDPM around backbone; it returns an error for an invalid
// configuration.
func New(backbone Backbone, c Config) (*DDPM, error) {
	if backbone == nil {
		return nil, fmt.Errorf("diffusion: DDPM needs a backbone")
	}
	if err := c.fill(); err != nil {
		return nil, err
	}
	if c.NumClasses > 0 {
		if _, ok := backbone.(LabelBackbone); !ok {
			return nil, fmt.Errorf("diffusion: num_classes %d needs a class-conditional backbone (one with ForwardLabels), got %T", c.NumClasses, backbone)
		}
	}
	s, err := NewSchedule(c.BetaSchedule, c.Timesteps, c.BetaStart, c.BetaEnd)
	if err != nil {
		return nil, err
	}
	d := &DDPM{Backbone: backbone, sched: s, c: c, training: true}
	if c.EMADecay > 0 {
		if d.ema, err = newEMA(nn.Parameters(d), c.EMADecay, c.EMAWarmup); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// newEMA starts the average of a model's weights.
func newEMA(params []nn.Param, decay float64, warmup bool) (*optim.EMA, error) {
	e, err := optim.NewEMA(params, decay)
	if err != nil {
		return nil, fmt.Errorf("diffusion: %w", err)
	}
	e.Warmup = warmup
	return e, nil
}

// fill validates c and sets its defaults.
func (c *Config) fill() error {
	c.Shape = slices.Clone(c.Shape)
	if len(c.Shape) == 0 {
		return fmt.Errorf("diffusion: the shape of one example is missing")
	}
	for _, n := range c.Shape {
		if n <= 0 {
			return fmt.Errorf("diffusion: example shape %v must be positive", c.Shape)
		}
	}
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&c.BetaSchedule, ScheduleLinear)
	def(&c.Prediction, PredictEpsilon)
	def(&c.LossType, "mse")
	def(&c.Sampler, SamplerDDPM)
	if c.Timesteps == 0 {
		c.Timesteps = 1000
	}
	if c.BetaStart == 0 && c.BetaEnd == 0 {
		c.BetaStart, c.BetaEnd = 1e-4, 0.02
	}
	if c.HuberDelta == 0 {
		c.HuberDelta = 1
	}
	if c.GuidanceScale == 0 {
		c.GuidanceScale = 1
	}
	switch {
	case !slices.Contains([]string{PredictEpsilon, PredictV, PredictX0}, c.Prediction):
		return fmt.Errorf("diffusion: unknown prediction_type %q (epsilon, v, x0)", c.Prediction)
	case !slices.Contains([]string{"mse", "l1", "huber"}, c.LossType):
		return fmt.Errorf("diffusion: unknown loss_type %q (mse, l1, huber)", c.LossType)
	case c.HuberDelta < 0 || c.MinSNRGamma < 0 || c.Eta < 0 || c.SamplingSteps < 0:
		return fmt.Errorf("diffusion: huber_delta %g, min_snr_gamma %g, eta %g and sampling_steps %d must be ≥ 0", c.HuberDelta, c.MinSNRGamma, c.Eta, c.SamplingSteps)
	case !(c.EMADecay >= 0 && c.EMADecay < 1):
		return fmt.Errorf("diffusion: ema_decay must be in [0, 1), got %g", c.EMADecay)
	case c.NumClasses < 0 || !(c.LabelDropout >= 0 && c.LabelDropout < 1):
		return fmt.Errorf("diffusion: num_classes %d must be ≥ 0 and label_dropout %g in [0, 1)", c.NumClasses, c.LabelDropout)
	case c.Sampler != SamplerDDPM && c.Sampler != SamplerDDIM:
		return fmt.Errorf("diffusion: unknown sampler %q (ddpm, ddim)", c.Sampler)
	}
	return nil
}

// Config returns the model configuration the model was built from.
func (d *DDPM) Config() config.ModelConfiguration { return d.c.Model }

// Notes implements models.Noter.
func (d *DDPM) Notes() []string { return slices.Clone(d.c.Notes) }

// Settings returns the DDPM's settings, defaults filled in.
func (d *DDPM) Settings() Config { c := d.c; c.Shape = slices.Clone(c.Shape); return c }

// Schedule returns the model's noise schedule (not to be modified).
func (d *DDPM) Schedule() *Schedule { return d.sched }

// EMA returns the average of the weights, nil without one.
func (d *DDPM) EMA() *optim.EMA { return d.ema }

// SetTraining records whether the model trains; nn.SetTraining(model, on)
// calls it and switches the backbone's dropout.
func (d *DDPM) SetTraining(on bool) { d.training = on }

// coef returns vals[t[i]] for each example as a tensor [B, 1, ..., 1] that
// broadcasts against a batch of rank nd.
func coef(vals []float64, t []int, nd int, f func(float64) float64) *tensor.Tensor {
	out := make([]float32, len(t))
	for i, ti := range t {
		out[i] = float32(f(vals[ti]))
	}
	shape := make([]int, nd)
	for i := range shape {
		shape[i] = 1
	}
	shape[0] = len(t)
	return tensor.FromSlice(out, shape...)
}

func ident(v float64) float64        { return v }
func sqrtOneMinus(v float64) float64 { return math.Sqrt(1 - v) }

// checkT checks per-example timesteps against a batch.
func (d *DDPM) checkT(x *tensor.Tensor, t []int) {
	if len(t) != x.Dim(0) {
		panic(fmt.Sprintf("diffusion: %d timesteps for a batch of %d", len(t), x.Dim(0)))
	}
	for _, ti := range t {
		if ti < 0 || ti >= d.sched.Len() {
			panic(fmt.Sprintf("diffusion: timestep %d outside [0, %d)", ti, d.sched.Len()))
		}
	}
}

// QSample draws x_t ~ q(x_t | x_0) = √ᾱ_t x_0 + √(1-ᾱ_t) ε for the
// given noise ε, each example at its own timestep.
func (d *DDPM) QSample(x0 *tensor.Tensor, t []int, noise *tensor.Tensor) *tensor.Tensor {
	d.checkT(x0, t)
	ab := d.sched.AlphasCumprod
	xt := tensor.Add(tensor.Mul(coef(ab, t, x0.NDim(), math.Sqrt), x0), tensor.Mul(coef(ab, t, x0.NDim(), sqrtOneMinus), noise))
	if d.c.WrapAngles {
		xt = wrapAngles(xt)
	}
	return xt
}

// PredictStartFromNoise inverts QSample: x_0 = (x_t - √(1-ᾱ_t) ε) / √ᾱ_t.
func (d *DDPM) PredictStartFromNoise(xt *tensor.Tensor, t []int, eps *tensor.Tensor) *tensor.Tensor {
	d.checkT(xt, t)
	ab := d.sched.AlphasCumprod
	nd := xt.NDim()
	return tensor.Sub(tensor.Mul(coef(ab, t, nd, func(a float64) float64 { return 1 / math.Sqrt(a) }), xt),
		tensor.Mul(coef(ab, t, nd, func(a float64) float64 { return math.Sqrt(1/a - 1) }), eps))
}

// QPosteriorMeanVariance returns the mean, variance and clipped log
// variance of q(x_{t-1} | x_t, x_0), each example at its own timestep;
// variance and log variance are [B, 1, ..., 1].
func (d *DDPM) QPosteriorMeanVariance(x0, xt *tensor.Tensor, t []int) (mean, variance, logVariance *tensor.Tensor) {
	d.checkT(xt, t)
	s, nd := d.sched, xt.NDim()
	mean = tensor.Add(tensor.Mul(coef(s.PosteriorMeanCoef1, t, nd, ident), x0), tensor.Mul(coef(s.PosteriorMeanCoef2, t, nd, ident), xt))
	return mean, coef(s.PosteriorVariance, t, nd, ident), coef(s.PosteriorLogVarianceClipped, t, nd, ident)
}

// guide holds the conditioning of one sampling run.
type guide struct {
	labels []int
	scale  float64
}

// output runs the backbone on x at model timestep t for every example,
// with classifier-free guidance when g has labels.
func (d *DDPM) output(x *tensor.Tensor, t int, g guide) *tensor.Tensor {
	return backboneOutput(d.Backbone, x, float32(t), g)
}

// backboneOutput runs b on x, every example at time t; with labels, the
// conditional prediction, mixed with the unconditional one unless the
// guidance scale is 1 (both in one batch).
func backboneOutput(b Backbone, x *tensor.Tensor, t float32, g guide) *tensor.Tensor {
	n := x.Dim(0)
	lb, ok := b.(LabelBackbone)
	if g.labels == nil || !ok {
		return b.Forward(x, tensor.Full(t, n))
	}
	if g.scale == 1 {
		return lb.ForwardLabels(x, tensor.Full(t, n), g.labels)
	}
	labels := append(slices.Clone(g.labels), make([]int, n)...)
	for i := n; i < 2*n; i++ {
		labels[i] = -1
	}
	out := tensor.Split(lb.ForwardLabels(tensor.Concat(0, x, x), tensor.Full(t, 2*n), labels), 0, n, n)
	return tensor.Add(out[1], tensor.Scale(tensor.Sub(out[0], out[1]), float32(g.scale)))
}

// split turns the backbone's output at a level ᾱ into the predicted clean
// data and noise, clipping the clean data when the model says so (and
// then recomputing the noise from it).
func (d *DDPM) split(out, xt *tensor.Tensor, ab float64) (x0, eps *tensor.Tensor) {
	sa, sb := float32(math.Sqrt(ab)), float32(math.Sqrt(1-ab))
	switch d.c.Prediction {
	case PredictEpsilon:
		eps = out
		x0 = tensor.Scale(tensor.Sub(xt, tensor.Scale(eps, sb)), 1/sa)
	case PredictX0:
		x0 = out
	case PredictV:
		x0 = tensor.Sub(tensor.Scale(xt, sa), tensor.Scale(out, sb))
		eps = tensor.Add(tensor.Scale(out, sa), tensor.Scale(xt, sb))
	}
	if d.c.ClipDenoised {
		x0 = tensor.Clamp(x0, -1, 1)
		eps = nil
	}
	if eps == nil {
		eps = tensor.Scale(tensor.Sub(xt, tensor.Scale(x0, sa)), 1/max(sb, 1e-12))
	}
	return x0, eps
}

// PMeanVariance returns the mean and (log) variance of the learned
// reverse step p(x_{t-1} | x_t), every example at timestep t, and the
// predicted clean data it is built on.
func (d *DDPM) PMeanVariance(xt *tensor.Tensor, t int) (mean, variance, logVariance, predX0 *tensor.Tensor) {
	return d.pMeanVariance(d.sched, t, t, xt, guide{})
}

// pMeanVariance is PMeanVariance at step i of schedule s, whose model
// timestep is modelT (they differ on a respaced schedule).
func (d *DDPM) pMeanVariance(s *Schedule, i, modelT int, xt *tensor.Tensor, g guide) (mean, variance, logVariance, predX0 *tensor.Tensor) {
	if i < 0 || i >= s.Len() {
		panic(fmt.Sprintf("diffusion: timestep %d outside [0, %d)", i, s.Len()))
	}
	x0, _ := d.split(d.output(xt, modelT, g), xt, s.AlphasCumprod[i])
	mean = tensor.Add(tensor.Scale(x0, float32(s.PosteriorMeanCoef1[i])), tensor.Scale(xt, float32(s.PosteriorMeanCoef2[i])))
	return mean, tensor.Scalar(float32(s.PosteriorVariance[i])), tensor.Scalar(float32(s.PosteriorLogVarianceClipped[i])), x0
}

// PSample draws x_{t-1} ~ p(x_{t-1} | x_t), every example at timestep t,
// with noise from rng (none at t = 0).
func (d *DDPM) PSample(xt *tensor.Tensor, t int, rng *tensor.Stream) *tensor.Tensor {
	return d.pSample(d.sched, t, t, xt, guide{}, rng)
}

func (d *DDPM) pSample(s *Schedule, i, modelT int, xt *tensor.Tensor, g guide, rng *tensor.Stream) *tensor.Tensor {
	mean, _, logVar, _ := d.pMeanVariance(s, i, modelT, xt, g)
	if i == 0 {
		return mean
	}
	std := float32(math.Exp(0.5 * float64(logVar.Item())))
	return d.wrap(tensor.Add(mean, tensor.Scale(rng.Normal(xt.Shape()...), std)))
}

func (d *DDPM) wrap(x *tensor.Tensor) *tensor.Tensor {
	if d.c.WrapAngles {
		return wrapAngles(x)
	}
	return x
}

// wrapAngles maps every value to [-π, π) (no gradient: it is applied to
// noisy inputs only).
func wrapAngles(x *tensor.Tensor) *tensor.Tensor {
	out := x.Detach().Clone()
	v := out.Data()
	for i, a := range v {
		v[i] = float32(float64(a) - 2*math.Pi*math.Floor((float64(a)+math.Pi)/(2*math.Pi)))
	}
	return out
}

// target returns what the backbone should output for x_0, noise ε and
// timesteps t.
func (d *DDPM) target(x0, noise *tensor.Tensor, t []int) *tensor.Tensor {
	switch d.c.Prediction {
	case PredictX0:
		return x0
	case PredictV:
		ab, nd := d.sched.AlphasCumprod, x0.NDim()
		return tensor.Sub(tensor.Mul(coef(ab, t, nd, math.Sqrt), noise), tensor.Mul(coef(ab, t, nd, sqrtOneMinus), x0))
	}
	return noise
}

// Loss returns the training loss for clean data x0 [B, Shape...] at
// timesteps t with noise ε: the mean over examples of the per-example
// mean of the elementwise loss between the backbone's output on
// QSample(x0, t, noise) and its target, weighted by min-SNR when set.
// labels (nil for an unconditional model) are passed as they are.
func (d *DDPM) Loss(x0 *tensor.Tensor, t []int, noise *tensor.Tensor, labels []int) *tensor.Tensor {
	xt := d.QSample(x0, t, noise).Detach()
	tt := make([]float32, len(t))
	for i, ti := range t {
		tt[i] = float32(ti)
	}
	var out *tensor.Tensor
	if lb, ok := d.Backbone.(LabelBackbone); ok && d.c.NumClasses > 0 {
		out = lb.ForwardLabels(xt, tensor.FromSlice(tt, len(tt)), labels)
	} else {
		out = d.Backbone.Forward(xt, tensor.FromSlice(tt, len(tt)))
	}
	return weightedLoss(d.c.LossType, d.c.HuberDelta, out, d.target(x0, noise, t), d.minSNRWeights(t))
}

// weightedLoss is the mean over examples of w_i times example i's mean
// elementwise loss (w nil: all ones).
func weightedLoss(kind string, delta float64, pred, target *tensor.Tensor, w *tensor.Tensor) *tensor.Tensor {
	var el *tensor.Tensor
	switch kind {
	case "l1":
		el = tensor.L1(pred, target)
	case "huber":
		el = tensor.Huber(pred, target, float32(delta))
	default:
		el = tensor.MSE(pred, target)
	}
	per := tensor.MeanAxes(tensor.Reshape(el, el.Dim(0), -1), []int{1}, false)
	if w != nil {
		per = tensor.Mul(per, w)
	}
	return tensor.Mean(per)
}

// minSNRWeights returns the min-SNR-γ weights for timesteps t, or nil
// when they are off. The loss of each target already weights the error in
// x_0 by a power of the SNR (ε: SNR, v: SNR+1, x_0: 1); the weights bring
// that to min(SNR, γ).
func (d *DDPM) minSNRWeights(t []int) *tensor.Tensor {
	g := d.c.MinSNRGamma
	if g <= 0 {
		return nil
	}
	w := make([]float32, len(t))
	for i, ti := range t {
		snr := d.sched.SNR(ti)
		switch d.c.Prediction {
		case PredictEpsilon:
			w[i] = float32(min(snr, g) / snr)
		case PredictV:
			w[i] = float32(min(snr, g) / (snr + 1))
		default:
			w[i] = float32(min(snr, g))
		}
	}
	return tensor.FromSlice(w, len(w))
}

// batchData returns a batch's examples shaped [B, Shape...] in the
// model's space (images mapped to [-1, 1]).
func batchData(x *tensor.Tensor, shape []int, images bool) (*tensor.Tensor, error) {
	per := 1
	for _, n := range shape {
		per *= n
	}
	if x == nil || x.NDim() == 0 || x.Size() != x.Dim(0)*per {
		var got []int
		if x != nil {
			got = x.Shape()
		}
		return nil, fmt.Errorf("diffusion: batch of shape %v does not hold examples of shape %v", got, shape)
	}
	x = tensor.Reshape(x, append([]int{x.Dim(0)}, shape...)...)
	if images {
		x = tensor.AddScalar(tensor.Scale(x, 2), -1)
	}
	return x, nil
}

// TrainLoss draws a timestep and noise for every example of the batch
// (from the "noise" stream of rngs) and returns Loss. Images are expected
// in [0, 1]. A class-conditional model takes the batch's labels, each
// dropped (set to -1) with probability LabelDropout.
func (d *DDPM) TrainLoss(batch data.Batch, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	x0, err := batchData(batch.Images, d.c.Shape, d.c.Images)
	if err != nil {
		panic(err)
	}
	s := rngs.Stream("noise")
	n := x0.Dim(0)
	t := make([]int, n)
	for i := range t {
		t[i] = s.Intn(d.sched.Len())
	}
	noise := s.Normal(x0.Shape()...)
	labels := d.trainLabels(batch.Labels, n, s)
	loss := d.Loss(x0, t, noise, labels)
	return loss, map[string]float64{"loss": float64(loss.Item())}
}

// trainLabels returns the labels the backbone trains on: nil for an
// unconditional model, else the batch's with label dropout applied.
func (d *DDPM) trainLabels(labels []int, n int, s *tensor.Stream) []int {
	if d.c.NumClasses == 0 {
		return nil
	}
	out := make([]int, n)
	for i := range out {
		out[i] = -1
		if labels != nil && s.Float64() >= d.c.LabelDropout {
			out[i] = labels[i]
		}
	}
	return out
}
