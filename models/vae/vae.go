package vae

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// VAE is the variational autoencoder of Kingma & Welling (2014): a
// diagonal Gaussian posterior q(z|x) = N(mu, e^logvar) from the encoder,
// a standard normal prior, and the decoder's likelihood p(x|z). It
// minimises the negative ELBO reconstruction + kl_weight·KL.
type VAE struct {
	*Base
	Mean, LogVar *nn.Linear // heads on the encoder features

	kl      Schedule
	classes int // one-hot conditioning size; 0 for an unconditional model
}

// Losses are the terms of a batch's loss, each a scalar averaged over the
// batch, in nats per example. Codebook and Commitment are set by VQVAE
// only.
type Losses struct {
	Total          *tensor.Tensor // what training differentiates
	Reconstruction *tensor.Tensor // -log p(x|z), one posterior sample
	KL             *tensor.Tensor // KL(q(z|x) ‖ p(z))
	Codebook       *tensor.Tensor // VQVAE: ‖sg[z_e] - e‖²
	Commitment     *tensor.Tensor // VQVAE: ‖z_e - sg[e]‖², before commitment_cost
}

// NewVAE builds a VAE; cfg is the effective configuration Config reports,
// o the settings the model reads, klWeight the weight of the KL term.
func NewVAE(cfg config.ModelConfiguration, o Options, klWeight float64, rngs *nn.Rngs) (*VAE, error) {
	if !(klWeight >= 0) || math.IsInf(klWeight, 0) {
		return nil, fmt.Errorf("parameter %q must be a finite number >= 0, got %g", "kl_weight", klWeight)
	}
	return newGaussian(cfg, o, Schedule{Beta: klWeight}, 0, rngs)
}

func newGaussian(cfg config.ModelConfiguration, o Options, kl Schedule, classes int, rngs *nn.Rngs) (*VAE, error) {
	b, err := newBase(cfg, o, rngs, classes, o.LatentDim+classes)
	if err != nil {
		return nil, err
	}
	f := b.Encoder.features()
	return &VAE{
		Base: b,
		Mean: nn.NewLinear(rngs, f, o.LatentDim), LogVar: nn.NewLinear(rngs, f, o.LatentDim),
		kl: kl, classes: classes,
	}, nil
}

// Schedule returns how the KL term is weighted: a constant kl_weight for
// VAE and ConditionalVAE, β's warm-up or capacity schedule for BetaVAE.
func (v *VAE) Schedule() Schedule { return v.kl }

// Encode returns the posterior's mean and log-variance [N, latent] for a
// batch.
func (v *VAE) Encode(x *tensor.Tensor) (mu, logvar *tensor.Tensor) { return v.encode(x, nil) }

func (v *VAE) encode(x, cond *tensor.Tensor) (mu, logvar *tensor.Tensor) {
	h := v.Encoder.forward(v.layout(x), cond)
	return v.Mean.Forward(h), v.LogVar.Forward(h)
}

// Decode maps latents [N, latent] to the likelihood's parameters in data
// layout: logits for "bce" and "categorical", means for "mse".
func (v *VAE) Decode(z *tensor.Tensor) *tensor.Tensor { return v.decode(z, nil) }

func (v *VAE) decode(z, cond *tensor.Tensor) *tensor.Tensor {
	if cond != nil {
		z = tensor.Concat(1, z, cond)
	}
	return v.Decoder.forward(z)
}

// Reparameterize draws z = mu + e^(logvar/2)·ε with ε ~ N(0, I) from the
// "sample" stream, differentiable in mu and logvar.
func (v *VAE) Reparameterize(mu, logvar *tensor.Tensor, rngs *tensor.Rngs) *tensor.Tensor {
	eps := rngs.Sample().Normal(mu.Shape()...)
	return tensor.Add(mu, tensor.Mul(tensor.Exp(tensor.Scale(logvar, 0.5)), eps))
}

// Loss returns the loss terms of a batch with one posterior sample drawn
// from rngs; the KL weight follows the schedule at the current Step.
func (v *VAE) Loss(x *tensor.Tensor, rngs *tensor.Rngs) Losses { return v.loss(x, nil, rngs) }

func (v *VAE) loss(x, cond *tensor.Tensor, rngs *tensor.Rngs) Losses {
	x = v.layout(x)
	mu, logvar := v.encode(x, cond)
	z := v.Reparameterize(mu, logvar, rngs)
	rec := tensor.Mean(v.nll(v.decode(z, cond), x))
	kl := tensor.Mean(tensor.SumAxes(tensor.KLStandardNormal(mu, logvar), []int{1}, false))
	return Losses{Total: tensor.Add(rec, v.kl.penalty(kl, v.Steps())), Reconstruction: rec, KL: kl}
}

// trainLoss is TrainLoss for any conditioning.
func (v *VAE) trainLoss(x, cond *tensor.Tensor, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	step := v.Steps()
	l := v.loss(x, cond, rngs)
	v.countStep()
	logs := map[string]float64{
		"loss":           float64(l.Total.Item()),
		"reconstruction": float64(l.Reconstruction.Item()),
		"kl":             float64(l.KL.Item()),
		"nelbo":          float64(l.Reconstruction.Item() + l.KL.Item()),
	}
	if v.kl.UseCapacity {
		logs["capacity"] = v.kl.Capacity(step)
	} else {
		logs["beta"] = v.kl.Weight(step)
	}
	return l.Total, logs
}

// TrainLoss implements models.Trainable: the loss of a batch of
// (already preprocessed) images, and its terms for logging. Each call
// counts one training step.
func (v *VAE) TrainLoss(batch data.Batch, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	return v.trainLoss(batch.Images, nil, rngs)
}

// Sample draws n latents from the prior scaled by temperature
// (z ~ N(0, temperature²·I)) and returns the decoder's means in data
// layout: probabilities for "bce" and "categorical", means for "mse". It
// records no gradients.
func (v *VAE) Sample(n int, temperature float64, rngs *tensor.Rngs) *tensor.Tensor {
	return v.sample(n, temperature, nil, rngs)
}

func (v *VAE) sample(n int, temperature float64, cond *tensor.Tensor, rngs *tensor.Rngs) *tensor.Tensor {
	var out *tensor.Tensor
	v.eval(func() {
		z := rngs.Sample().NormalScaled(0, float32(temperature), n, v.opts.LatentDim)
		out = v.mean(v.decode(z, cond))
	})
	return out
}

// RowIndependent implements models.RowSampler: each sample decodes its
// own row of latents.
func (v *VAE) RowIndependent() bool { return true }

// SampleImages implements models.ImageSampler: n samples at temperature 1
// as [n, C, H, W] values in [0, 1].
func (v *VAE) SampleImages(n int, rngs *tensor.Rngs) *tensor.Tensor {
	return v.SampleImagesAt(n, 1, rngs)
}

// SampleImagesAt draws n images in [0, 1] from the prior scaled by
// temperature (see Sample).
func (v *VAE) SampleImagesAt(n int, temperature float64, rngs *tensor.Rngs) *tensor.Tensor {
	return v.asImages(v.Sample(n, temperature, rngs))
}

// Reconstruct encodes x, decodes the posterior mean and returns the
// likelihood's means, without gradients.
func (v *VAE) Reconstruct(x *tensor.Tensor) *tensor.Tensor { return v.reconstruct(x, nil) }

func (v *VAE) reconstruct(x, cond *tensor.Tensor) *tensor.Tensor {
	var out *tensor.Tensor
	v.eval(func() {
		mu, _ := v.encode(x, cond)
		out = v.mean(v.decode(mu, cond))
	})
	return out
}

// Interpolate decodes steps points on the line between the posterior
// means of two examples (x1 and x2 hold one example each, with or without
// the batch axis), both ends included: [steps, example shape...].
func (v *VAE) Interpolate(x1, x2 *tensor.Tensor, steps int) *tensor.Tensor {
	return v.interpolate(x1, x2, steps, nil)
}

func (v *VAE) interpolate(x1, x2 *tensor.Tensor, steps int, cond *tensor.Tensor) *tensor.Tensor {
	var out *tensor.Tensor
	v.eval(func() {
		mu, _ := v.encode(tensor.Concat(0, v.one(x1), v.one(x2)), rowsOf(cond, 2))
		out = v.mean(v.decode(lerp(mu, steps), rowsOf(cond, steps)))
	})
	return out
}

// LatentTraversal encodes one example, sets latent dimension dim of its
// posterior mean to each of values in turn and decodes:
// [len(values), example shape...].
func (v *VAE) LatentTraversal(x *tensor.Tensor, dim int, values []float32) *tensor.Tensor {
	return v.traverse(x, dim, values, nil)
}

func (v *VAE) traverse(x *tensor.Tensor, dim int, values []float32, cond *tensor.Tensor) *tensor.Tensor {
	if dim < 0 || dim >= v.opts.LatentDim {
		panic(fmt.Sprintf("vae: LatentTraversal: dimension %d out of range for latent size %d", dim, v.opts.LatentDim))
	}
	var out *tensor.Tensor
	v.eval(func() {
		mu, _ := v.encode(v.one(x), rowsOf(cond, 1))
		d := v.opts.LatentDim
		z := make([]float32, len(values)*d)
		for i, val := range values {
			copy(z[i*d:], mu.Data())
			z[i*d+dim] = val
		}
		out = v.mean(v.decode(tensor.FromSlice(z, len(values), d), rowsOf(cond, len(values))))
	})
	return out
}

// one returns a single example as a batch of one.
func (b *Base) one(x *tensor.Tensor) *tensor.Tensor {
	if x.Size() != prod(b.shape) {
		panic(fmt.Sprintf("vae: %v is not one example of shape %v", x.Shape(), b.shape))
	}
	return tensor.Reshape(x, append([]int{1}, b.shape...)...)
}

// eval runs fn in evaluation mode without recording gradients, restoring
// the mode afterwards.
func (b *Base) eval(fn func()) {
	prev := b.training
	b.SetTraining(false)
	defer b.SetTraining(prev)
	tensor.NoGrad(fn)
}

// lerp returns steps rows on the segment from row 0 to row 1 of ends.
func lerp(ends *tensor.Tensor, steps int) *tensor.Tensor {
	d := ends.Dim(1)
	a, b := ends.Data()[:d], ends.Data()[d:]
	z := make([]float32, steps*d)
	for i := range steps {
		t := float32(0)
		if steps > 1 {
			t = float32(i) / float32(steps-1)
		}
		for j := range d {
			z[i*d+j] = (1-t)*a[j] + t*b[j]
		}
	}
	return tensor.FromSlice(z, steps, d)
}

// rowsOf repeats the single row of cond n times; nil stays nil.
func rowsOf(cond *tensor.Tensor, n int) *tensor.Tensor {
	if cond == nil {
		return nil
	}
	return tensor.Expand(tensor.Reshape(cond, 1, -1), []int{n, cond.Size()})
}
