// Package gan implements generative adversarial networks: a GAN base with
// fully connected or DCGAN convolutional networks, the vanilla,
// non-saturating, Wasserstein (with gradient penalty), least-squares and
// hinge objectives, class-conditional GANs with a projection
// discriminator, and CycleGAN for unpaired image-to-image translation.
//
// A GAN has two objectives, so it is not trained by minimising one loss:
// it implements models.Stepper, whose TrainStep performs the alternating
// discriminator and generator updates with the model's own Adam
// optimizers.
//
// Images enter TrainStep in the data package's range [0, 1] and are mapped
// to the generator's output range (tanh: [-1, 1]) inside; SampleImages
// returns [0, 1] again.
package gan

import (
	"errors"
	"fmt"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

// ErrNoSingleLoss is returned by Loss: a GAN's generator and discriminator
// minimise different objectives, so no single scalar can be differentiated
// to train both.
var ErrNoSingleLoss = errors.New("gan: a GAN has no single loss: the discriminator and the generator minimise two different, opposed objectives, each with its own optimizer; train it with TrainStep (models.Stepper), or compute DiscriminatorLoss and GeneratorLoss separately")

// Generator maps noise (and, when conditional, labels) to images.
type Generator struct {
	Body   Network
	Labels *nn.Embedding // class embedding concatenated to the noise; nil when unconditional
}

// Forward maps z [N, latent] and labels (nil when unconditional) to images
// [N, C, H, W] in the output activation's range.
func (g *Generator) Forward(z *tensor.Tensor, labels []int) *tensor.Tensor {
	if g.Labels != nil {
		z = tensor.Concat(1, z, g.Labels.Forward(labels))
	}
	return g.Body.Forward(z)
}

// Discriminator maps images (and labels) to one logit or critic score per
// image: Head(φ(x)) + ⟨Projection(y), φ(x)⟩ for the features φ(x) of Body.
type Discriminator struct {
	Body       Network
	Head       *nn.Linear
	Projection *nn.Embedding // class projection (Miyato & Koyama 2018); nil when unconditional
}

// Forward returns the scores [N] of images x [N, C, H, W].
func (d *Discriminator) Forward(x *tensor.Tensor, labels []int) *tensor.Tensor {
	f := d.Body.Forward(x)
	out := tensor.Reshape(d.Head.Forward(f), f.Dim(0))
	if d.Projection != nil {
		out = tensor.Add(out, tensor.SumAxes(tensor.Mul(f, d.Projection.Forward(labels)), []int{1}, false))
	}
	return out
}

// GAN is a generative adversarial network: DCGAN, WGAN-GP, LSGAN, a
// class-conditional GAN or the fully connected base GAN, depending on its
// Options.
type GAN struct {
	Generator     *Generator
	Discriminator *Discriminator
	opts          Options
	gOpt, dOpt    *optim.Adam
}

// New builds a GAN from opts, initialising its parameters from the
// "params" stream of rngs (dropout masks come from its "dropout" stream).
func New(opts Options, rngs *nn.Rngs) (*GAN, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	act := tensor.ReLU
	if opts.Activation != "" {
		f, err := nn.Activation(opts.Activation)
		if err != nil {
			return nil, fmt.Errorf("gan: generator activation: %w", err)
		}
		act = f
	}
	in := opts.LatentDim
	if opts.NumClasses > 0 {
		in += opts.ClassEmbeddingDim
	}
	// A per-sample gradient penalty is meaningless through batch
	// statistics, so the critic of WGAN-GP has no batch norm.
	dBatchNorm := opts.UseBatchNorm && opts.GradientPenaltyWeight == 0
	g := &Generator{}
	d := &Discriminator{}
	var features int
	if opts.Architecture == "conv" {
		g.Body = newConvGenerator(rngs, in, &opts, act)
		d.Body, features = newConvDiscriminator(rngs, &opts, dBatchNorm)
	} else {
		g.Body = newMLPGenerator(rngs, in, &opts, act)
		d.Body, features = newMLPDiscriminator(rngs, &opts, dBatchNorm)
	}
	d.Head = nn.NewLinear(rngs, features, 1)
	if opts.Architecture == "conv" {
		initDCGAN(g.Body, rngs.Params())
		initDCGAN(d.Body, rngs.Params())
	}
	if opts.NumClasses > 0 {
		g.Labels = nn.NewEmbedding(rngs, opts.NumClasses, opts.ClassEmbeddingDim)
		d.Projection = nn.NewEmbedding(rngs, opts.NumClasses, features)
		// Small projection weights keep the class term from dominating
		// the unconditional score at the start.
		copy(d.Projection.Weight.Data(), rngs.Params().NormalScaled(0, 0.02, opts.NumClasses*features).Data())
	}
	m := &GAN{Generator: g, Discriminator: d, opts: opts}
	var err error
	if m.gOpt, m.dOpt, err = opts.optimizers(nn.Parameters(g), nn.Parameters(d)); err != nil {
		return nil, err
	}
	return m, nil
}

// Config returns the effective configuration (Options.Config).
func (m *GAN) Config() config.ModelConfiguration { return m.opts.Config }

// Options returns the settings the GAN was built with.
func (m *GAN) Options() Options { return m.opts }

// Optimizers returns the generator's and the discriminator's Adam
// optimizers, named "generator" and "discriminator".
func (m *GAN) Optimizers() map[string]optim.Optimizer {
	return map[string]optim.Optimizer{"generator": m.gOpt, "discriminator": m.dOpt}
}

// Loss always fails with ErrNoSingleLoss: see TrainStep.
func (m *GAN) Loss(data.Batch, *tensor.Rngs) (*tensor.Tensor, error) { return nil, ErrNoSingleLoss }

// Conditional reports whether the GAN generates a given class.
func (m *GAN) Conditional() bool { return m.opts.NumClasses > 0 }

// TrainStep performs one discriminator update on the batch (images
// [N, C, H, W] in [0, 1], with labels when the GAN is conditional) and, on
// every CriticIterations-th call, one generator update, with the model's
// optimizers. Noise and interpolation weights come from rngs' "sample"
// stream.
//
// The logs are d_loss (the adversarial part), d_real and d_fake (mean
// discriminator outputs), d_accuracy (fraction of real and fake images on
// the right side of 0; not for wasserstein), gp (when penalised), and
// g_loss on the steps that update the generator.
func (m *GAN) TrainStep(b data.Batch, rngs *tensor.Rngs) (map[string]float64, error) {
	real, err := m.realImages(b.Images)
	if err != nil {
		return nil, err
	}
	n := real.Dim(0)
	labels, err := m.checkLabels(b.Labels, n, "batch")
	if err != nil {
		return nil, err
	}
	nn.SetTraining(m, true)
	s := rngs.Sample()
	z := s.Normal(n, m.opts.LatentDim)
	updateG := (m.dOpt.Steps()+1)%m.opts.CriticIterations == 0
	var fake *tensor.Tensor
	if updateG {
		fake = m.Generator.Forward(z, labels)
	} else {
		tensor.NoGrad(func() { fake = m.Generator.Forward(z, labels) })
	}

	m.dOpt.ZeroGrad()
	dReal := m.Discriminator.Forward(real, labels)
	dFake := m.Discriminator.Forward(fake.Detach(), labels)
	dLoss, err := DiscriminatorLoss(m.opts.Loss, dReal, dFake, float32(m.opts.LabelSmoothing))
	if err != nil {
		return nil, err
	}
	logs := map[string]float64{
		"d_loss": float64(dLoss.Item()),
		"d_real": float64(tensor.Mean(dReal.Detach()).Item()),
		"d_fake": float64(tensor.Mean(dFake.Detach()).Item()),
	}
	if m.opts.Loss != Wasserstein {
		logs["d_accuracy"] = accuracy(dReal, dFake)
	}
	total := dLoss
	if w := m.opts.GradientPenaltyWeight; w > 0 {
		score := func(x *tensor.Tensor) *tensor.Tensor { return m.Discriminator.Forward(x, labels) }
		gp, err := GradientPenalty(score, real, fake.Detach(), s.Uniform(0, 1, n))
		if err != nil {
			return nil, err
		}
		logs["gp"] = float64(gp.Item())
		total = tensor.Add(total, tensor.Scale(gp, float32(w)))
	}
	total.Backward()
	m.dOpt.Step()
	if !updateG {
		return logs, nil
	}

	// The generator's loss flows through the discriminator; freezing the
	// discriminator's parameters spares their unused gradients.
	m.gOpt.ZeroGrad()
	dParams := m.dOpt.Params()
	setRequiresGrad(dParams, false)
	defer setRequiresGrad(dParams, true)
	gLoss, err := GeneratorLoss(m.opts.Loss, m.Discriminator.Forward(fake, labels))
	if err != nil {
		return nil, err
	}
	gLoss.Backward()
	m.gOpt.Step()
	logs["g_loss"] = float64(gLoss.Item())
	return logs, nil
}

// RecyclesForward implements models.ForwardRecycler: TrainStep takes its
// logs before each Backward, and the generator step reads the fake images
// through a graph of its own.
func (m *GAN) RecyclesForward() bool { return true }

func setRequiresGrad(ps []nn.Param, on bool) {
	for _, p := range ps {
		p.Tensor.SetRequiresGrad(on)
	}
}

// accuracy is the fraction of real scores above 0 and fake scores below.
func accuracy(real, fake *tensor.Tensor) float64 {
	right := 0
	for _, v := range real.Data() {
		if v > 0 {
			right++
		}
	}
	for _, v := range fake.Data() {
		if v < 0 {
			right++
		}
	}
	return float64(right) / float64(real.Size()+fake.Size())
}

// realImages checks a batch of images against the generator's shape and
// maps it from [0, 1] to the output activation's range.
func (m *GAN) realImages(x *tensor.Tensor) (*tensor.Tensor, error) {
	h, w, c := m.opts.ImageShape[0], m.opts.ImageShape[1], m.opts.ImageShape[2]
	return toModelRange(x, [3]int{c, h, w}, m.opts.OutputActivation)
}

// toModelRange checks that x is a batch [N, C, H, W] of the given image
// shape with values in [0, 1], and maps it to [-1, 1] for a tanh output.
func toModelRange(x *tensor.Tensor, chw [3]int, outAct string) (*tensor.Tensor, error) {
	if x == nil || x.NDim() != 4 || x.Dim(0) < 1 || x.Dim(1) != chw[0] || x.Dim(2) != chw[1] || x.Dim(3) != chw[2] {
		var shape []int
		if x != nil {
			shape = x.Shape()
		}
		return nil, fmt.Errorf("gan: images of shape %v, want [N, %d, %d, %d]", shape, chw[0], chw[1], chw[2])
	}
	for _, v := range x.Data() {
		if v < 0 || v > 1 {
			return nil, fmt.Errorf("gan: image value %g outside [0, 1]: give the model the data set's [0, 1] images (no data.Signed transform); it maps them to its output range itself", v)
		}
	}
	if outAct != "tanh" {
		return x.Detach(), nil
	}
	var y *tensor.Tensor
	tensor.NoGrad(func() { y = tensor.AddScalar(tensor.Scale(x, 2), -1) })
	return y, nil
}

// checkLabels returns the labels a conditional GAN needs (nil for an
// unconditional one), checking their number and range.
func (m *GAN) checkLabels(labels []int, n int, what string) ([]int, error) {
	if m.opts.NumClasses == 0 {
		return nil, nil
	}
	if len(labels) != n {
		return nil, fmt.Errorf("gan: a conditional GAN needs one label per image: %s has %d labels for %d images", what, len(labels), n)
	}
	for i, y := range labels {
		if y < 0 || y >= m.opts.NumClasses {
			return nil, fmt.Errorf("gan: label %d at index %d is outside [0, %d)", y, i, m.opts.NumClasses)
		}
	}
	return labels, nil
}

// Generate draws n images [n, C, H, W] in the output activation's range
// (tanh: [-1, 1]) from noise of rngs' "sample" stream; a conditional GAN
// draws their classes uniformly from the same stream. The generator runs
// in evaluation mode (batch-norm running statistics), so each image
// depends on its own noise only.
func (m *GAN) Generate(n int, rngs *tensor.Rngs) (*tensor.Tensor, error) {
	if n <= 0 {
		return nil, fmt.Errorf("gan: Generate: number of images must be > 0, got %d", n)
	}
	s := rngs.Sample()
	z := s.Normal(n, m.opts.LatentDim)
	var labels []int
	if m.Conditional() {
		labels = make([]int, n)
		for i := range labels {
			labels[i] = s.Intn(m.opts.NumClasses)
		}
	}
	return m.generate(z, labels), nil
}

// GenerateConditional draws one image of each given class, in the output
// activation's range. It is an error for an unconditional GAN.
func (m *GAN) GenerateConditional(labels []int, rngs *tensor.Rngs) (*tensor.Tensor, error) {
	if !m.Conditional() {
		return nil, errors.New("gan: GenerateConditional needs a class-conditional GAN (num_classes > 0, e.g. ConditionalGAN)")
	}
	if len(labels) == 0 {
		return nil, errors.New("gan: GenerateConditional: no labels given")
	}
	if _, err := m.checkLabels(labels, len(labels), "GenerateConditional"); err != nil {
		return nil, err
	}
	return m.generate(rngs.Sample().Normal(len(labels), m.opts.LatentDim), labels), nil
}

// GenerateFrom maps given latent vectors z [N, latent] (and labels, for a
// conditional GAN) to images, in the output activation's range.
func (m *GAN) GenerateFrom(z *tensor.Tensor, labels []int) (*tensor.Tensor, error) {
	if z == nil || z.NDim() != 2 || z.Dim(0) == 0 || z.Dim(1) != m.opts.LatentDim {
		var shape []int
		if z != nil {
			shape = z.Shape()
		}
		return nil, fmt.Errorf("gan: latent vectors of shape %v, want [N, %d]", shape, m.opts.LatentDim)
	}
	labels, err := m.checkLabels(labels, z.Dim(0), "GenerateFrom")
	if err != nil {
		return nil, err
	}
	return m.generate(z, labels), nil
}

// Interpolate returns the images of steps points evenly spaced on the
// straight line from latent z0 to z1 (each [latent] or [1, latent]), both
// ends included; label is their class for a conditional GAN and ignored
// otherwise.
func (m *GAN) Interpolate(z0, z1 *tensor.Tensor, steps, label int) (*tensor.Tensor, error) {
	k := m.opts.LatentDim
	if z0 == nil || z1 == nil || z0.Size() != k || z1.Size() != k {
		return nil, fmt.Errorf("gan: Interpolate needs two latent vectors of %d values", k)
	}
	if steps < 2 {
		return nil, fmt.Errorf("gan: Interpolate needs at least 2 steps, got %d", steps)
	}
	zs := make([]float32, 0, steps*k)
	a, b := z0.Data(), z1.Data()
	for i := range steps {
		t := float32(i) / float32(steps-1)
		for j := range k {
			zs = append(zs, (1-t)*a[j]+t*b[j])
		}
	}
	var labels []int
	if m.Conditional() {
		labels = make([]int, steps)
		for i := range labels {
			labels[i] = label
		}
	}
	return m.GenerateFrom(tensor.FromSlice(zs, steps, k), labels)
}

func (m *GAN) generate(z *tensor.Tensor, labels []int) *tensor.Tensor {
	nn.SetTraining(m.Generator, false)
	defer nn.SetTraining(m.Generator, true)
	var x *tensor.Tensor
	tensor.NoGrad(func() { x = m.Generator.Forward(z, labels) })
	return x
}

// RowIndependent implements models.RowSampler: an unconditional GAN maps
// each sample's own row of noise; a conditional one also draws classes,
// which have no rows.
func (m *GAN) RowIndependent() bool { return !m.Conditional() }

// SampleImages draws n images with values in [0, 1] (see Generate); n <= 0
// gives an empty batch.
func (m *GAN) SampleImages(n int, rngs *tensor.Rngs) *tensor.Tensor {
	h, w, c := m.opts.ImageShape[0], m.opts.ImageShape[1], m.opts.ImageShape[2]
	if n <= 0 {
		return tensor.Zeros(0, c, h, w)
	}
	x, _ := m.Generate(n, rngs)
	return toUnitRange(x, m.opts.OutputActivation)
}

// toUnitRange maps generator output to [0, 1].
func toUnitRange(x *tensor.Tensor, outAct string) *tensor.Tensor {
	var y *tensor.Tensor
	tensor.NoGrad(func() {
		if outAct == "tanh" {
			x = tensor.Scale(tensor.AddScalar(x, 1), 0.5)
		}
		y = tensor.Clamp(x, 0, 1)
	})
	return y
}
