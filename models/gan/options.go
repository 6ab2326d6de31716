package gan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
)

// LossType names an adversarial objective: the pair of discriminator and
// generator losses of one GAN formulation.
type LossType string

// The loss types of the seed's loss_type parameter.
const (
	// Vanilla is the minimax game of Goodfellow et al. 2014: D maximises
	// log D(x) + log(1 - D(G(z))), G minimises log(1 - D(G(z))).
	Vanilla LossType = "vanilla"
	// NonSaturating keeps D's loss and lets G maximise log D(G(z)), which
	// has strong gradients early in training (Goodfellow et al. 2014, §3).
	NonSaturating LossType = "non_saturating"
	// Wasserstein is the WGAN critic objective E[D(G(z))] - E[D(x)] with
	// G minimising -E[D(G(z))]; pair it with a gradient penalty (WGAN-GP).
	Wasserstein LossType = "wasserstein"
	// LeastSquares is LSGAN (Mao et al. 2017) with targets 0 (fake) and
	// 1 (real): D minimises ½E[(D(x)-1)²] + ½E[D(G(z))²], G minimises
	// ½E[(D(G(z))-1)²].
	LeastSquares LossType = "least_squares"
	// Hinge is the hinge objective of SAGAN/BigGAN: D minimises
	// E[max(0, 1-D(x))] + E[max(0, 1+D(G(z)))], G minimises -E[D(G(z))].
	Hinge LossType = "hinge"
)

// LossTypes lists every loss type, in the order of the seed's documentation.
func LossTypes() []LossType {
	return []LossType{Vanilla, NonSaturating, Wasserstein, LeastSquares, Hinge}
}

// ParseLossType returns the loss type called s.
func ParseLossType(s string) (LossType, error) {
	for _, t := range LossTypes() {
		if string(t) == s {
			return t, nil
		}
	}
	names := make([]string, 0, 5)
	for _, t := range LossTypes() {
		names = append(names, string(t))
	}
	return "", fmt.Errorf("unknown loss_type %q; known: %s", s, strings.Join(names, ", "))
}

// usesLabels reports whether the loss compares discriminator outputs with
// real/fake targets, the only losses label smoothing applies to.
func (t LossType) usesLabels() bool {
	return t == Vanilla || t == NonSaturating || t == LeastSquares
}

// Adversarial are the settings every adversarial model shares: its
// objective, the layers and LeakyReLU slope of its discriminators, and the
// two Adam optimizers, one for the generator side and one for the
// discriminator side.
type Adversarial struct {
	// Loss is the adversarial objective.
	Loss LossType
	// DiscriminatorDims are the discriminators' layer sizes.
	DiscriminatorDims []int
	// LeakySlope is the negative slope of the discriminators' LeakyReLU.
	LeakySlope float64
	// GeneratorLR and DiscriminatorLR are the two Adam learning rates.
	GeneratorLR, DiscriminatorLR float64
	// Beta1 and Beta2 are the Adam moment decay rates of both optimizers.
	Beta1, Beta2 float64
}

// problems lists what is wrong with the settings.
func (a *Adversarial) problems() []string {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if len(a.DiscriminatorDims) == 0 {
		bad("discriminator_features must list at least one layer size")
	}
	if !(a.LeakySlope >= 0 && a.LeakySlope < 1) {
		bad("leaky_relu_slope must be in [0, 1), got %g", a.LeakySlope)
	}
	if _, err := ParseLossType(string(a.Loss)); err != nil {
		bad("%v", err)
	}
	if !(a.GeneratorLR > 0) || !(a.DiscriminatorLR > 0) {
		bad("generator_lr and discriminator_lr must be > 0, got %g and %g", a.GeneratorLR, a.DiscriminatorLR)
	}
	if !(a.Beta1 >= 0 && a.Beta1 < 1) || !(a.Beta2 >= 0 && a.Beta2 < 1) {
		bad("beta1 and beta2 must be in [0, 1), got %g and %g", a.Beta1, a.Beta2)
	}
	return errs
}

// optimizers returns the Adam optimizers of the generator side's and the
// discriminator side's parameters.
func (a *Adversarial) optimizers(gen, disc []nn.Param) (g, d *optim.Adam, err error) {
	betas := [2]float64{a.Beta1, a.Beta2}
	if g, err = optim.NewAdam(gen, optim.AdamConfig{LR: a.GeneratorLR, Betas: betas}); err != nil {
		return nil, nil, fmt.Errorf("gan: generator optimizer: %w", err)
	}
	if d, err = optim.NewAdam(disc, optim.AdamConfig{LR: a.DiscriminatorLR, Betas: betas}); err != nil {
		return nil, nil, fmt.Errorf("gan: discriminator optimizer: %w", err)
	}
	return g, d, nil
}

// Options are the settings of a GAN, read by the factory's gan builder from
// a configuration (see factory/gan.go for the parameter names and
// defaults). The generator maps a latent vector to an image [C, H, W]; the
// discriminator maps an image to one logit (or critic score).
type Options struct {
	// Config is the effective configuration the model reports from Config.
	Config config.ModelConfiguration
	// Architecture is "conv" (DCGAN: a projected 4-D seed up-sampled by
	// stride-2 transposed convolutions, a stride-2 convolutional
	// discriminator) or "mlp" (fully connected networks).
	Architecture string
	// LatentDim is the size of the generator's input noise (input_dim).
	LatentDim int
	// GeneratorDims are the generator's hidden widths (hidden_dims): for
	// "conv" the channel counts, from the projected seed of spatial size
	// H/2^len × W/2^len up to the last hidden layer.
	GeneratorDims []int
	// ImageShape is the generated image's [H, W, C] (output_dim, as the
	// zoo writes it); tensors are NCHW.
	ImageShape [3]int
	// Adversarial holds the objective, the optimizers and the
	// discriminator's layers: channels for "conv" (each a 4×4 stride-2
	// convolution), widths for "mlp".
	Adversarial
	// Activation is the generator's hidden activation (default relu).
	Activation string
	// OutputActivation is "tanh" (images in [-1, 1]) or "sigmoid" ([0, 1]).
	OutputActivation string
	// UseBatchNorm puts batch normalisation after every hidden generator
	// layer and every discriminator layer but the first. A discriminator
	// trained with a gradient penalty never uses it: the penalty is defined
	// per sample, and batch statistics would mix the samples.
	UseBatchNorm bool
	// DropoutRate is the dropout applied after every discriminator layer.
	DropoutRate float64
	// CriticIterations is the number of discriminator steps per generator
	// step: TrainStep updates the generator on every CriticIterations-th
	// call, so each critic step sees a fresh real batch.
	CriticIterations int
	// GradientPenaltyWeight is λ of the WGAN-GP penalty
	// λ·E[(‖∇D(x̂)‖₂ - 1)²] on random interpolates x̂; 0 disables it.
	GradientPenaltyWeight float64
	// LabelSmoothing lowers the real target from 1 to 1 - LabelSmoothing
	// (one-sided smoothing, Salimans et al. 2016).
	LabelSmoothing float64
	// NumClasses > 0 makes the GAN class-conditional: the generator
	// concatenates a learned label embedding of ClassEmbeddingDim to its
	// noise and the discriminator adds a projection term (Miyato & Koyama
	// 2018).
	NumClasses int
	// ClassEmbeddingDim is the size of the generator's label embedding.
	ClassEmbeddingDim int
}

// validate checks the options before anything is built, so that a bad
// configuration is an error rather than a panic inside a layer.
func (o *Options) validate() error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if o.Architecture != "conv" && o.Architecture != "mlp" {
		bad("architecture must be conv or mlp, got %q", o.Architecture)
	}
	if o.LatentDim <= 0 {
		bad("input_dim (latent dimension) must be > 0, got %d", o.LatentDim)
	}
	if len(o.GeneratorDims) == 0 {
		bad("hidden_dims must list the generator's hidden sizes")
	}
	for i, d := range o.ImageShape {
		if d <= 0 {
			bad("output_dim must be an image shape [H, W, C] with positive sizes, got %v (entry %d)", o.ImageShape, i)
			break
		}
	}
	errs = append(errs, o.Adversarial.problems()...)
	for _, d := range slices.Concat(o.GeneratorDims, o.DiscriminatorDims) {
		if d <= 0 {
			bad("layer sizes must be > 0, got hidden_dims %v and discriminator_features %v", o.GeneratorDims, o.DiscriminatorDims)
			break
		}
	}
	if o.Architecture == "conv" && len(errs) == 0 {
		h, w, c := o.ImageShape[0], o.ImageShape[1], o.ImageShape[2]
		k := 1 << len(o.GeneratorDims)
		if h%k != 0 || w%k != 0 {
			bad("the conv generator doubles the size %d times, so output_dim height and width must be multiples of %d, got %dx%d (use fewer hidden_dims)", len(o.GeneratorDims), k, h, w)
		}
		if c != 1 && c != 3 {
			bad("output_dim channels must be 1 or 3, got %d", c)
		}
		for range o.DiscriminatorDims {
			h, w = convOut(h), convOut(w)
		}
		if h < 1 || w < 1 {
			bad("discriminator_features %v halve a %dx%d image too often", o.DiscriminatorDims, o.ImageShape[0], o.ImageShape[1])
		}
	}
	if _, ok := outputActivations[o.OutputActivation]; !ok {
		bad("output_activation must be tanh or sigmoid, got %q", o.OutputActivation)
	}
	if !(o.DropoutRate >= 0 && o.DropoutRate < 1) {
		bad("dropout_rate must be in [0, 1), got %g", o.DropoutRate)
	}
	if o.CriticIterations < 1 {
		bad("critic_iterations must be >= 1, got %d", o.CriticIterations)
	}
	if !(o.GradientPenaltyWeight >= 0) {
		bad("gradient_penalty_weight must be >= 0, got %g", o.GradientPenaltyWeight)
	}
	if !(o.LabelSmoothing >= 0 && o.LabelSmoothing < 1) {
		bad("label_smoothing must be in [0, 1), got %g", o.LabelSmoothing)
	}
	if o.LabelSmoothing > 0 && !o.Loss.usesLabels() {
		bad("label_smoothing %g has no meaning for loss_type %s, whose discriminator outputs are scores, not probabilities; set it to 0", o.LabelSmoothing, o.Loss)
	}
	if o.NumClasses < 0 || (o.NumClasses > 0 && o.ClassEmbeddingDim <= 0) {
		bad("num_classes must be >= 0 and class_embedding_dim > 0 for a conditional GAN, got %d and %d", o.NumClasses, o.ClassEmbeddingDim)
	}
	if len(errs) > 0 {
		return fmt.Errorf("gan: %s", strings.Join(errs, "; "))
	}
	return nil
}

// convOut is the output size of a 4×4, stride-2, padding-1 convolution.
func convOut(n int) int { return (n+2-4)/2 + 1 }
