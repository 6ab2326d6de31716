package factory

import (
	"fmt"
	"maps"
	"slices"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/models/gan"
	"github.com/artifex-go/artifex/nn"
)

// ganBuilder builds the GAN family (models/gan). input_dim is the latent
// size, hidden_dims the generator's hidden sizes and output_dim the image
// shape, [H, W, C] or [C, H, W] (see config.ImageShape; [H, W] means one
// channel).
type ganBuilder struct{}

// adversarialParams are the parameters every adversarial class reads
// (gan.Adversarial).
var adversarialParams = []string{
	"discriminator_features", "leaky_relu_slope", "loss_type", "generator_lr",
	"discriminator_lr", "beta1", "beta2", config.DataFormatParam,
}

// ganCommon are the parameters every class but CycleGAN reads.
var ganCommon = append(slices.Clone(adversarialParams),
	"architecture", "use_batch_norm", "dropout_rate", "output_activation",
	"critic_iterations", "gradient_penalty_weight", "label_smoothing",
)

// cycleParams are the parameters CycleGAN reads.
var cycleParams = append(slices.Clone(adversarialParams),
	"cycle_weight", "identity_weight", "residual_blocks", "domain_b",
)

// ganDefaults returns the defaults of a class: DCGAN's settings (Radford et
// al. 2016: Adam 2e-4, β1 0.5), WGAN-GP's (Gulrajani et al. 2017: λ 10,
// 5 critic steps, Adam 1e-4, β 0 and 0.9), LSGAN's loss, CycleGAN's (Zhu
// et al. 2017), and for the base GAN fully connected networks.
func ganDefaults(class string) map[string]any {
	d := map[string]any{
		"discriminator_features": []int{64, 128}, "leaky_relu_slope": 0.2,
		"loss_type":    string(gan.NonSaturating),
		"generator_lr": 2e-4, "discriminator_lr": 2e-4, "beta1": 0.5, "beta2": 0.999,
	}
	if class == "CycleGAN" {
		// Least squares, λ 10, Adam 2e-4 as in the paper. The identity
		// loss is off: it helps domains that share colours (the paper's
		// photo↔painting) but contradicts the inverted and rotated domains,
		// where a generator must change every image it is given.
		d["loss_type"] = string(gan.LeastSquares)
		d["cycle_weight"], d["identity_weight"] = 10.0, 0.0
		d["residual_blocks"], d["domain_b"] = 2, gan.DomainInverted
		return d
	}
	maps.Copy(d, map[string]any{
		"architecture": "conv", "use_batch_norm": true, "dropout_rate": 0.0,
		"output_activation": "tanh", "critic_iterations": 1,
		"gradient_penalty_weight": 0.0, "label_smoothing": 0.0,
	})
	switch class {
	case "GAN":
		d["architecture"] = "mlp"
		d["discriminator_features"] = []int{512, 256}
	case "WGAN":
		d["loss_type"] = string(gan.Wasserstein)
		d["critic_iterations"] = 5
		d["gradient_penalty_weight"] = 10.0
		d["generator_lr"], d["discriminator_lr"] = 1e-4, 1e-4
		d["beta1"], d["beta2"] = 0.0, 0.9
	case "LSGAN":
		d["loss_type"] = string(gan.LeastSquares)
	case "ConditionalGAN":
		d["num_classes"] = 10
		d["class_embedding_dim"] = 50
	}
	return d
}

// adversarial reads the parameters every adversarial class shares from
// parameters that hold every default.
func adversarial(p map[string]any) (gan.Adversarial, error) {
	var errs paramErrors
	num := func(name string) float64 { return errs.float(GetFloat(p, name, 0)) }
	a := gan.Adversarial{
		Loss:              gan.LossType(errs.str(GetString(p, "loss_type", ""))),
		DiscriminatorDims: errs.ints(GetInts(p, "discriminator_features", nil)),
		LeakySlope:        num("leaky_relu_slope"),
		GeneratorLR:       num("generator_lr"),
		DiscriminatorLR:   num("discriminator_lr"),
		Beta1:             num("beta1"),
		Beta2:             num("beta2"),
	}
	return a, errs.err
}

// Classes lists the GAN classes.
func (ganBuilder) Classes() []string {
	return []string{"GAN", "DCGAN", "WGAN", "LSGAN", "ConditionalGAN", "CycleGAN"}
}

// ParameterSchema lists the parameters of a GAN class.
func (ganBuilder) ParameterSchema(class string) config.ParameterSchema {
	known := slices.Clone(ganCommon)
	switch class {
	case "CycleGAN":
		known = slices.Clone(cycleParams)
	case "ConditionalGAN":
		known = append(known, "num_classes", "class_embedding_dim")
	}
	return config.ParameterSchema{Family: "gan " + class, Known: known}
}

// Build fills in the class's defaults and builds the GAN.
func (b ganBuilder) Build(cfg config.ModelConfiguration, rngs *nn.Rngs, _ ...Option) (Model, error) {
	class := ClassName(cfg.ModelClass)
	if !slices.Contains(b.Classes(), class) {
		return nil, fmt.Errorf("unknown gan class %q; gan classes: %v", class, b.Classes())
	}
	cfg.Parameters = WithDefaults(cfg.Parameters, ganDefaults(class))
	if class == "CycleGAN" {
		return buildCycleGAN(cfg, rngs)
	}
	if cfg.Activation == "" {
		cfg.Activation = "relu"
	}
	opts, err := ganOptions(cfg)
	if err != nil {
		return nil, err
	}
	return gan.New(opts, rngs)
}

// ganOptions reads a configuration whose parameters hold every default.
func ganOptions(cfg config.ModelConfiguration) (gan.Options, error) {
	o := gan.Options{Config: cfg, GeneratorDims: cfg.HiddenDims, Activation: cfg.Activation}
	if len(cfg.InputDim) != 1 {
		return o, fmt.Errorf("input_dim must be the latent size (one number), got %v", []int(cfg.InputDim))
	}
	o.LatentDim = cfg.InputDim[0]
	switch len(cfg.OutputDim) {
	case 2:
		if _, err := imageHWC(&cfg, cfg.OutputDim); err != nil {
			return o, fmt.Errorf("output_dim: %w", err)
		}
		o.ImageShape = [3]int{cfg.OutputDim[0], cfg.OutputDim[1], 1}
	case 3:
		hwc, err := imageHWC(&cfg, cfg.OutputDim)
		if err != nil {
			return o, fmt.Errorf("output_dim: %w", err)
		}
		o.ImageShape = [3]int(hwc)
		o.Config = cfg
	default:
		return o, fmt.Errorf("output_dim must be the image shape [H, W, C] or [C, H, W] (or [H, W]), got %v", []int(cfg.OutputDim))
	}
	p := cfg.Parameters
	var errs paramErrors
	num := func(name string) float64 { return errs.float(GetFloat(p, name, 0)) }
	integer := func(name string) int { return errs.int(GetInt(p, name, 0)) }
	var err error
	o.Adversarial, err = adversarial(p)
	errs.keep(err)
	o.Architecture = errs.str(GetString(p, "architecture", ""))
	o.OutputActivation = errs.str(GetString(p, "output_activation", ""))
	o.UseBatchNorm = errs.bool(GetBool(p, "use_batch_norm", true))
	o.DropoutRate = num("dropout_rate")
	o.CriticIterations = integer("critic_iterations")
	o.GradientPenaltyWeight = num("gradient_penalty_weight")
	o.LabelSmoothing = num("label_smoothing")
	o.NumClasses = integer("num_classes")
	o.ClassEmbeddingDim = integer("class_embedding_dim")
	return o, errs.err
}

// buildCycleGAN reads a CycleGAN configuration: input_dim is the image
// shape [H, W, C] of both domains (output_dim, when given, must be the
// same) and hidden_dims[0] the generators' filters (32 when omitted).
func buildCycleGAN(cfg config.ModelConfiguration, rngs *nn.Rngs) (Model, error) {
	if len(cfg.HiddenDims) == 0 {
		cfg.HiddenDims = []int{32}
	}
	if len(cfg.InputDim) != 3 {
		return nil, fmt.Errorf("input_dim must be the image shape [H, W, C] or [C, H, W] of both domains, got %v", []int(cfg.InputDim))
	}
	if len(cfg.OutputDim) > 0 && !slices.Equal(cfg.OutputDim, cfg.InputDim) {
		return nil, fmt.Errorf("a CycleGAN translates between images of one shape: output_dim %v must equal input_dim %v (or be omitted)", []int(cfg.OutputDim), []int(cfg.InputDim))
	}
	hwc, err := imageHWC(&cfg, cfg.InputDim)
	if err != nil {
		return nil, fmt.Errorf("input_dim: %w", err)
	}
	o := gan.CycleOptions{Config: cfg, ImageShape: [3]int(hwc), Filters: cfg.HiddenDims[0]}
	p := cfg.Parameters
	var errs paramErrors
	o.Adversarial, err = adversarial(p)
	errs.keep(err)
	o.CycleWeight = errs.float(GetFloat(p, "cycle_weight", 0))
	o.IdentityWeight = errs.float(GetFloat(p, "identity_weight", 0))
	o.ResidualBlocks = errs.int(GetInt(p, "residual_blocks", 0))
	o.DomainB = errs.str(GetString(p, "domain_b", ""))
	if errs.err != nil {
		return nil, errs.err
	}
	return gan.NewCycleGAN(o, rngs)
}
