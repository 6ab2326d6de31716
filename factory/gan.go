package factory

import (
	"fmt"
	"slices"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/models/gan"
	"github.com/artifex-go/artifex/nn"
)

// ganBuilder builds the GAN family (models/gan). input_dim is the latent
// size, hidden_dims the generator's hidden sizes and output_dim the image
// shape [H, W, C] ([H, W] means one channel).
type ganBuilder struct{}

// ganCommon are the parameters every adversarial class reads.
var ganCommon = []string{
	"architecture", "discriminator_features", "use_batch_norm", "dropout_rate",
	"leaky_relu_slope", "output_activation", "loss_type", "generator_lr",
	"discriminator_lr", "beta1", "beta2", "critic_iterations",
	"gradient_penalty_weight", "label_smoothing",
}

// ganDefaults returns the defaults of a class: DCGAN's settings (Radford et
// al. 2016: Adam 2e-4, β1 0.5), WGAN-GP's (Gulrajani et al. 2017: λ 10,
// 5 critic steps, Adam 1e-4, β 0 and 0.9), LSGAN's loss, and for the base
// GAN fully connected networks.
func ganDefaults(class string) map[string]any {
	d := map[string]any{
		"architecture": "conv", "discriminator_features": []int{64, 128},
		"use_batch_norm": true, "dropout_rate": 0.0, "leaky_relu_slope": 0.2,
		"output_activation": "tanh", "loss_type": string(gan.NonSaturating),
		"generator_lr": 2e-4, "discriminator_lr": 2e-4, "beta1": 0.5, "beta2": 0.999,
		"critic_iterations": 1, "gradient_penalty_weight": 0.0, "label_smoothing": 0.0,
	}
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

// Classes lists the GAN classes.
func (ganBuilder) Classes() []string {
	return []string{"GAN", "DCGAN", "WGAN", "LSGAN", "ConditionalGAN"}
}

// ParameterSchema lists the parameters of a GAN class.
func (ganBuilder) ParameterSchema(class string) config.ParameterSchema {
	known := slices.Clone(ganCommon)
	if class == "ConditionalGAN" {
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
		o.ImageShape = [3]int{cfg.OutputDim[0], cfg.OutputDim[1], 1}
	case 3:
		o.ImageShape = [3]int{cfg.OutputDim[0], cfg.OutputDim[1], cfg.OutputDim[2]}
	default:
		return o, fmt.Errorf("output_dim must be the image shape [H, W, C] (or [H, W]), got %v", []int(cfg.OutputDim))
	}
	p := cfg.Parameters
	var (
		errs []error
		err  error
	)
	str := func(name string) string { v, err := GetString(p, name, ""); errs = append(errs, err); return v }
	num := func(name string) float64 { v, err := GetFloat(p, name, 0); errs = append(errs, err); return v }
	integer := func(name string) int { v, err := GetInt(p, name, 0); errs = append(errs, err); return v }
	o.Architecture = str("architecture")
	o.OutputActivation = str("output_activation")
	o.Loss = gan.LossType(str("loss_type"))
	o.DiscriminatorDims, err = GetInts(p, "discriminator_features", nil)
	errs = append(errs, err)
	o.UseBatchNorm, err = GetBool(p, "use_batch_norm", true)
	errs = append(errs, err)
	o.DropoutRate = num("dropout_rate")
	o.LeakySlope = num("leaky_relu_slope")
	o.GeneratorLR = num("generator_lr")
	o.DiscriminatorLR = num("discriminator_lr")
	o.Beta1 = num("beta1")
	o.Beta2 = num("beta2")
	o.CriticIterations = integer("critic_iterations")
	o.GradientPenaltyWeight = num("gradient_penalty_weight")
	o.LabelSmoothing = num("label_smoothing")
	o.NumClasses = integer("num_classes")
	o.ClassEmbeddingDim = integer("class_embedding_dim")
	for _, e := range errs {
		if e != nil {
			return o, e
		}
	}
	return o, nil
}
