package factory

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/models/diffusion"
	"github.com/artifex-go/artifex/nn"
)

// diffusionBuilder builds the diffusion family: DDPM, DDIM (a DDPM that
// samples with DDIM by default) and ScoreDiffusion (VE-SDE; the seed's
// ScoreBased). Its backbones come from reg (see RegisterBackbone).
type diffusionBuilder struct{ reg *Registry }

// diffusionCommon are the parameters every diffusion class reads; the
// parameters of the registered backbones are added to them.
var diffusionCommon = []string{
	"backbone", config.DataFormatParam, "time_embedding_dim", "num_classes", "image_data", "ema_decay",
	"ema_warmup", "sampler", "sampling_steps",
}

// Classes implements Describer.
func (diffusionBuilder) Classes() []string {
	return []string{"DDPM", "DDIM", "ScoreDiffusion", "ScoreBased"}
}

// canonical maps an accepted class name to the one it builds: the seed
// calls the score-based model ScoreBased.
func (diffusionBuilder) canonical(class string) string {
	if class == "ScoreBased" {
		return "ScoreDiffusion"
	}
	return class
}

// ParameterSchema implements Describer.
func (b diffusionBuilder) ParameterSchema(class string) config.ParameterSchema {
	known := slices.Clone(diffusionCommon)
	if b.canonical(class) == "ScoreDiffusion" {
		known = append(known, "sigma_min", "sigma_max", "snr", "corrector_steps")
	} else {
		known = append(known, "noise_steps", "num_timesteps", "beta_start", "beta_end", "beta_schedule",
			"prediction_type", "loss_type", "huber_delta", "min_snr_gamma", "clip_denoised",
			"label_dropout", "guidance_scale", "eta", "wrapped_angles")
	}
	known = append(known, b.reg.backboneParameters()...)
	return config.ParameterSchema{Family: "diffusion", Known: known}
}

// diffusionShape turns input_dim into the shape of one example as tensors
// hold it: an image shape ([H, W, C] or [C, H, W]) → [C, H, W], [D] or
// [L, D] unchanged. It records an image's layout in cfg.
func diffusionShape(cfg *config.ModelConfiguration) ([]int, error) {
	in := []int(cfg.InputDim)
	if len(in) == 0 || len(in) > 3 {
		return nil, fmt.Errorf("input_dim must be [D], [L, D] or an image shape [H, W, C] or [C, H, W], got %v", in)
	}
	if len(cfg.OutputDim) > 0 && !slices.Equal(cfg.OutputDim, cfg.InputDim) {
		return nil, fmt.Errorf("output_dim %v must equal input_dim %v: the backbone predicts noise of the data's shape", []int(cfg.OutputDim), in)
	}
	shape, err := imageCHW(cfg, cfg.InputDim)
	return slices.Clone(shape), err
}

// seedTimeEmbeddingDim is the size of the timestep embedding a
// WithBackboneFn function receives when time_embedding_dim is not given.
const seedTimeEmbeddingDim = 128

// Build implements Builder.
func (b diffusionBuilder) Build(cfg config.ModelConfiguration, rngs *nn.Rngs, opts ...Option) (Model, error) {
	shape, err := diffusionShape(&cfg)
	if err != nil {
		return nil, err
	}
	class := b.canonical(ClassName(cfg.ModelClass))
	p := cfg.Parameters
	var e paramErrors
	num := func(name string, def float64) float64 { return e.float(GetFloat(p, name, def)) }
	integer := func(name string, def int) int { return e.int(GetInt(p, name, def)) }
	str := func(name, def string) string { return e.str(GetString(p, name, def)) }
	name := str("backbone", map[int]string{1: "mlp", 2: "transformer", 3: "unet"}[len(shape)])
	images := e.bool(GetBool(p, "image_data", len(shape) == 3))
	numClasses := integer("num_classes", 0)
	emaDecay := num("ema_decay", 0.9999)
	emaWarmup := e.bool(GetBool(p, "ema_warmup", true))
	tdim := integer("time_embedding_dim", 0)
	if e.err != nil {
		return nil, e.err
	}
	net, name, notes, err := b.backbone(cfg, name, shape, numClasses, tdim, rngs, ApplyOptions(opts...))
	if err != nil {
		return nil, err
	}
	defaults := map[string]any{"image_data": images, "num_classes": numClasses, "ema_decay": emaDecay, "ema_warmup": emaWarmup}
	if name == backboneFnName && tdim == 0 {
		defaults["time_embedding_dim"] = seedTimeEmbeddingDim
	}
	// The backbone actually used is recorded whatever the configuration
	// said, so that a model rebuilt from it (a checkpoint's) is the same
	// network or an error, never silently another one.
	p = maps.Clone(p)
	if p == nil {
		p = map[string]any{}
	}
	p["backbone"] = name
	if class == "ScoreDiffusion" {
		sc := diffusion.ScoreConfig{
			Shape: shape, Images: images, EMADecay: emaDecay, EMAWarmup: emaWarmup, Notes: notes,
			SigmaMin: num("sigma_min", 0.01), SigmaMax: num("sigma_max", 50),
			Sampler: str("sampler", diffusion.SamplerPredictorCorrector), SamplingSteps: integer("sampling_steps", 1000),
			SNR: num("snr", 0.16), CorrectorSteps: integer("corrector_steps", 1),
		}
		if e.err != nil {
			return nil, e.err
		}
		maps.Copy(defaults, map[string]any{"sigma_min": sc.SigmaMin, "sigma_max": sc.SigmaMax, "sampler": sc.Sampler,
			"sampling_steps": sc.SamplingSteps, "snr": sc.SNR, "corrector_steps": sc.CorrectorSteps})
		cfg.Parameters = WithDefaults(p, defaults)
		sc.Model = cfg
		return diffusion.NewScore(net, sc)
	}
	steps := integer("noise_steps", 1000)
	if _, ok := p["num_timesteps"]; ok {
		alt := integer("num_timesteps", steps)
		if _, both := p["noise_steps"]; both && alt != steps {
			return nil, fmt.Errorf("noise_steps %d and num_timesteps %d disagree", steps, alt)
		}
		steps = alt
	}
	sampler := diffusion.SamplerDDPM
	if class == "DDIM" {
		sampler = diffusion.SamplerDDIM
	}
	lossName := str("loss_type", "mse")
	lossType := lossName
	if lossType == "smooth_l1" {
		lossType = "huber"
	}
	dc := diffusion.Config{
		Shape: shape, Timesteps: steps, Images: images, EMADecay: emaDecay, EMAWarmup: emaWarmup, NumClasses: numClasses, Notes: notes,
		BetaSchedule: str("beta_schedule", diffusion.ScheduleLinear),
		BetaStart:    num("beta_start", 1e-4), BetaEnd: num("beta_end", 0.02),
		Prediction: str("prediction_type", diffusion.PredictEpsilon),
		LossType:   lossType, HuberDelta: num("huber_delta", 1),
		MinSNRGamma:  num("min_snr_gamma", 0),
		ClipDenoised: e.bool(GetBool(p, "clip_denoised", images)),
		WrapAngles:   e.bool(GetBool(p, "wrapped_angles", false)),
		LabelDropout: num("label_dropout", 0.1), GuidanceScale: num("guidance_scale", 1),
		Sampler: str("sampler", sampler), SamplingSteps: integer("sampling_steps", 0),
		Eta: num("eta", 0),
	}
	if e.err != nil {
		return nil, e.err
	}
	maps.Copy(defaults, map[string]any{"noise_steps": steps, "beta_schedule": dc.BetaSchedule, "beta_start": dc.BetaStart,
		"beta_end": dc.BetaEnd, "prediction_type": dc.Prediction, "loss_type": lossName, "clip_denoised": dc.ClipDenoised,
		"sampler": dc.Sampler, "eta": dc.Eta})
	cfg.Parameters = WithDefaults(p, defaults)
	dc.Model = cfg
	return diffusion.New(net, dc)
}

// backbone returns the network the model wraps, the name the effective
// configuration records for it, and notes on the configuration fields
// that go unused because the network was given in code.
func (b diffusionBuilder) backbone(cfg config.ModelConfiguration, name string, shape []int, numClasses, tdim int, rngs *nn.Rngs, o Options) (Backbone, string, []string, error) {
	_, named := cfg.Parameters["backbone"]
	var net Backbone
	var recorded string
	switch {
	case o.Backbone != nil && o.BackboneFn != nil:
		return nil, "", nil, fmt.Errorf("give a backbone with WithBackbone or with WithBackboneFn, not both")
	case o.Backbone != nil:
		net, recorded = o.Backbone, userBackbonePrefix+fmt.Sprintf("%T", o.Backbone)
		switch {
		case strings.HasPrefix(name, userBackbonePrefix) && name != recorded:
			return nil, "", nil, fmt.Errorf("parameters.backbone records %s but WithBackbone gave a %s; a checkpoint is rebuilt only with the network it was trained with", name, recorded)
		case named && !isBuiltinBackbone(name) && b.reg.hasBackbone(name):
			recorded = name // the caller says the network is this registered one
		}
	case o.BackboneFn != nil:
		if tdim == 0 {
			tdim = seedTimeEmbeddingDim
		}
		if tdim < 0 || tdim%2 != 0 {
			return nil, "", nil, fmt.Errorf("time_embedding_dim must be positive and even, got %d", tdim)
		}
		net, recorded = seedBackbone{fn: o.BackboneFn, dim: tdim, rngs: rngs}, backboneFnName
	default:
		net, err := b.reg.buildBackbone(name, BackboneSpec{Shape: shape, Config: cfg, NumClasses: numClasses}, rngs)
		return net, name, nil, err
	}
	var notes []string
	if recorded == backboneFnName {
		notes = append(notes, "the backbone is a function (factory.WithBackboneFn): weights it closes over are not the model's parameters, so they are neither trained nor saved; give a struct of layers to factory.WithBackbone to train it")
	}
	if named && name != recorded && isBuiltinBackbone(name) {
		notes = append(notes, fmt.Sprintf("parameters.backbone %q is replaced by the backbone given in code (%s)", name, recorded))
	}
	return net, recorded, append(notes, unusedByUserBackbone(cfg, recorded)...), nil
}

// unusedByUserBackbone returns a note naming the fields of cfg that only
// the built-in backbones read, which a backbone given in code leaves
// unused; nil when cfg gives none.
func unusedByUserBackbone(cfg config.ModelConfiguration, recorded string) []string {
	var unused []string
	if len(cfg.HiddenDims) > 0 {
		unused = append(unused, "hidden_dims")
	}
	if cfg.Activation != "" {
		unused = append(unused, "activation")
	}
	for _, k := range builtinBackboneParams() {
		if _, ok := cfg.Parameters[k]; ok && (k != "time_embedding_dim" || recorded != backboneFnName) {
			unused = append(unused, "parameters."+k)
		}
	}
	if len(unused) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("the backbone given in code (%s) does not read %s: only the built-in backbones do", recorded, strings.Join(unused, ", "))}
}

// isBuiltinBackbone reports whether name is one of builtinBackbones.
func isBuiltinBackbone(name string) bool {
	return slices.ContainsFunc(builtinBackbones, func(b builtinBackbone) bool { return b.name == name })
}
