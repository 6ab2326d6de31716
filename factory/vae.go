package factory

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/models/vae"
	"github.com/artifex-go/artifex/nn"
)

// vaeBuilder builds the VAE family (models/vae). CVAE is an alias of
// ConditionalVAE.
type vaeBuilder struct{}

// vaeClasses are the class names the builder accepts, in the order errors
// list them.
var vaeClasses = []string{"VAE", "BetaVAE", "ConditionalVAE", "CVAE", "VQVAE"}

// vaeShared are the parameters every class reads, with their defaults.
// decoder_type is absent: it defaults to the effective encoder_type.
var vaeShared = map[string]any{
	"encoder_type":        vae.MLP,
	"reconstruction_loss": vae.Bernoulli,
	"dropout_rate":        0.0,
}

// vaeClassDefaults are the class-specific parameters with their defaults.
// BetaVAE's follow Burgess et al. (2018) for the capacity objective.
// VAE, ConditionalVAE and BetaVAE all read beta and kl_weight, as the
// seed's examples give them: the KL term's weight is their product (for
// BetaVAE, kl_weight scales the β schedule).
var vaeClassDefaults = map[string]map[string]any{
	"VAE": {"kl_weight": 1.0, "beta": 1.0},
	"BetaVAE": {
		"beta": 1.0, "kl_weight": 1.0, "beta_warmup_steps": 0,
		"use_capacity": false, "capacity_max": 25.0, "capacity_steps": 100000, "gamma": 1000.0,
	},
	"ConditionalVAE": {"kl_weight": 1.0, "beta": 1.0, "num_classes": 10},
	"VQVAE": {
		"num_embeddings": 512, "embedding_dim": 64, "commitment_cost": 0.25,
		"use_ema": false, "ema_decay": 0.99,
	},
}

// Architecture defaults applied to a configuration that leaves them out.
var (
	vaeDefaultHidden     = []int{512, 256}
	vaeDefaultLatent     = 32
	vaeDefaultActivation = "relu"
)

// canonical maps an accepted class name to the one it builds.
func (vaeBuilder) canonical(class string) string {
	if class == "CVAE" {
		return "ConditionalVAE"
	}
	return class
}

// Classes implements Describer.
func (vaeBuilder) Classes() []string { return append([]string(nil), vaeClasses...) }

// ParameterSchema implements Describer.
func (b vaeBuilder) ParameterSchema(class string) config.ParameterSchema {
	known := []string{"decoder_type", config.DataFormatParam}
	for k := range vaeShared {
		known = append(known, k)
	}
	for k := range vaeClassDefaults[b.canonical(class)] {
		known = append(known, k)
	}
	return config.ParameterSchema{Family: "vae", Known: known}
}

// Build implements Builder: it fills the defaults missing from cfg
// (architecture and parameters), keeps everything the user gave, and
// builds the class; the model's Config reports the result.
func (b vaeBuilder) Build(cfg config.ModelConfiguration, rngs *nn.Rngs, _ ...Option) (Model, error) {
	class := b.canonical(ClassName(cfg.ModelClass))
	defaults, ok := vaeClassDefaults[class]
	if !ok {
		return nil, fmt.Errorf("unknown vae class %q; vae classes: %s", ClassName(cfg.ModelClass), strings.Join(vaeClasses, ", "))
	}
	if len(cfg.InputDim) == 0 {
		return nil, fmt.Errorf("input_dim must be given (e.g. [28, 28, 1])")
	}
	if len(cfg.HiddenDims) == 0 {
		cfg.HiddenDims = append([]int(nil), vaeDefaultHidden...)
	}
	switch len(cfg.OutputDim) {
	case 0:
		cfg.OutputDim = config.Dims{vaeDefaultLatent}
	case 1:
	default:
		return nil, fmt.Errorf("output_dim is the latent size, one number; got %v", cfg.OutputDim)
	}
	if cfg.Activation == "" {
		cfg.Activation = vaeDefaultActivation
	}
	enc, err := GetString(cfg.Parameters, "encoder_type", vae.MLP)
	if err != nil {
		return nil, err
	}
	all := WithDefaults(vaeShared, defaults)
	all["decoder_type"] = enc
	cfg.Parameters = WithDefaults(cfg.Parameters, all)

	shape, err := imageHWC(&cfg, cfg.InputDim)
	if err != nil {
		return nil, err
	}
	p := cfg.Parameters
	o := vae.Options{
		InputShape: shape,
		HiddenDims: append([]int(nil), cfg.HiddenDims...),
		LatentDim:  cfg.OutputDim[0],
		Activation: cfg.Activation,
	}
	var errs paramErrors
	// beta and kl_weight multiply: each is checked on its own so that an
	// error names the one that is wrong.
	for _, name := range []string{"beta", "kl_weight"} {
		if v, ok := p[name]; ok {
			if f, err := GetFloat(p, name, 0); err == nil && (!(f >= 0) || math.IsInf(f, 0)) {
				errs.keep(fmt.Errorf("parameter %q must be a finite number >= 0, got %v", name, v))
			}
		}
	}
	o.EncoderType = errs.str(GetString(p, "encoder_type", ""))
	o.DecoderType = errs.str(GetString(p, "decoder_type", ""))
	o.ReconstructionLoss = errs.str(GetString(p, "reconstruction_loss", ""))
	o.DropoutRate = errs.float(GetFloat(p, "dropout_rate", 0))

	switch class {
	case "VAE":
		w := errs.float(GetFloat(p, "kl_weight", 0)) * errs.float(GetFloat(p, "beta", 0))
		if errs.err != nil {
			return nil, errs.err
		}
		return built(vae.NewVAE(cfg, o, w, rngs))
	case "BetaVAE":
		s := vae.Schedule{
			Beta:          errs.float(GetFloat(p, "beta", 0)) * errs.float(GetFloat(p, "kl_weight", 0)),
			WarmupSteps:   errs.int(GetInt(p, "beta_warmup_steps", 0)),
			UseCapacity:   errs.bool(GetBool(p, "use_capacity", false)),
			CapacityMax:   errs.float(GetFloat(p, "capacity_max", 0)),
			CapacitySteps: errs.int(GetInt(p, "capacity_steps", 0)),
			Gamma:         errs.float(GetFloat(p, "gamma", 0)),
		}
		if errs.err != nil {
			return nil, errs.err
		}
		return built(vae.NewBetaVAE(cfg, o, s, rngs))
	case "ConditionalVAE":
		w := errs.float(GetFloat(p, "kl_weight", 0)) * errs.float(GetFloat(p, "beta", 0))
		k := errs.int(GetInt(p, "num_classes", 0))
		if errs.err != nil {
			return nil, errs.err
		}
		return built(vae.NewConditionalVAE(cfg, o, w, k, rngs))
	default: // VQVAE
		q := vae.VQOptions{
			NumEmbeddings:  errs.int(GetInt(p, "num_embeddings", 0)),
			EmbeddingDim:   errs.int(GetInt(p, "embedding_dim", 0)),
			CommitmentCost: errs.float(GetFloat(p, "commitment_cost", 0)),
			UseEMA:         errs.bool(GetBool(p, "use_ema", false)),
			EMADecay:       errs.float(GetFloat(p, "ema_decay", 0)),
		}
		if errs.err != nil {
			return nil, errs.err
		}
		return built(vae.NewVQVAE(cfg, o, q, rngs))
	}
}

// paramErrors keeps the first error of a run of Get* calls, so a builder
// reads every parameter in one block and checks once.
type paramErrors struct{ err error }

// keep collects err, so that a configuration with several bad parameters
// is told about all of them at once.
func (e *paramErrors) keep(err error) {
	if err != nil {
		e.err = errors.Join(e.err, err)
	}
}

func (e *paramErrors) str(v string, err error) string     { e.keep(err); return v }
func (e *paramErrors) float(v float64, err error) float64 { e.keep(err); return v }
func (e *paramErrors) int(v int, err error) int           { e.keep(err); return v }
func (e *paramErrors) bool(v bool, err error) bool        { e.keep(err); return v }
func (e *paramErrors) ints(v []int, err error) []int      { e.keep(err); return v }

// built returns a constructor's result as a Model, and a nil Model (not
// a typed nil pointer) with its error.
func built[M Model](m M, err error) (Model, error) {
	if err != nil {
		return nil, err
	}
	return m, nil
}
