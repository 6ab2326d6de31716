package factory

import (
	"fmt"
	"slices"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/models/backbone"
	"github.com/artifex-go/artifex/models/diffusion"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// diffusionBuilder builds the diffusion family: DDPM, DDIM (a DDPM that
// samples with DDIM by default) and ScoreDiffusion (VE-SDE).
type diffusionBuilder struct{}

// diffusionCommon are the parameters every diffusion class reads.
var diffusionCommon = []string{
	"backbone", "num_res_blocks", "attention_resolutions", "dropout_rate", "time_embedding_dim",
	"num_heads", "num_groups", "num_layers", "num_classes", "image_data", "ema_decay",
	"sampler", "sampling_steps",
}

// Classes implements Describer.
func (diffusionBuilder) Classes() []string { return []string{"DDPM", "DDIM", "ScoreDiffusion"} }

// ParameterSchema implements Describer.
func (diffusionBuilder) ParameterSchema(class string) config.ParameterSchema {
	known := slices.Clone(diffusionCommon)
	if class == "ScoreDiffusion" {
		known = append(known, "sigma_min", "sigma_max", "snr", "corrector_steps")
	} else {
		known = append(known, "noise_steps", "num_timesteps", "beta_start", "beta_end", "beta_schedule",
			"prediction_type", "loss_type", "huber_delta", "min_snr_gamma", "clip_denoised",
			"label_dropout", "guidance_scale", "eta", "wrapped_angles")
	}
	return config.ParameterSchema{Family: "diffusion", Known: known}
}

// diffusionShape turns input_dim into the shape of one example as tensors
// hold it: [H, W, C] → [C, H, W] (images), [D] or [L, D] unchanged.
func diffusionShape(cfg config.ModelConfiguration) ([]int, error) {
	in := []int(cfg.InputDim)
	if len(in) == 0 || len(in) > 3 {
		return nil, fmt.Errorf("input_dim must be [D], [L, D] or [H, W, C], got %v", in)
	}
	if len(cfg.OutputDim) > 0 && !slices.Equal(cfg.OutputDim, cfg.InputDim) {
		return nil, fmt.Errorf("output_dim %v must equal input_dim %v: the backbone predicts noise of the data's shape", []int(cfg.OutputDim), in)
	}
	if len(in) == 3 {
		return []int{in[2], in[0], in[1]}, nil
	}
	return slices.Clone(in), nil
}

// Build implements Builder.
func (diffusionBuilder) Build(cfg config.ModelConfiguration, rngs *nn.Rngs, opts ...Option) (Model, error) {
	shape, err := diffusionShape(cfg)
	if err != nil {
		return nil, err
	}
	class := ClassName(cfg.ModelClass)
	defaultBackbone := map[int]string{1: "mlp", 2: "transformer", 3: "unet"}[len(shape)]
	p := cfg.Parameters
	var e diffusionParams
	name := e.str(p, "backbone", defaultBackbone)
	images := e.boolean(p, "image_data", len(shape) == 3)
	numClasses := e.int(p, "num_classes", 0)
	emaDecay := e.float(p, "ema_decay", 0.9999)
	tdim := e.int(p, "time_embedding_dim", 0)
	defaults := map[string]any{"backbone": name, "image_data": images, "num_classes": numClasses, "ema_decay": emaDecay}
	if e.err != nil {
		return nil, e.err
	}
	o := ApplyOptions(opts...)
	var net diffusion.Backbone
	switch {
	case o.Backbone != nil:
		net = o.Backbone
	case o.BackboneFn != nil:
		if tdim == 0 {
			tdim = 128
		}
		if tdim%2 != 0 || tdim < 0 {
			return nil, fmt.Errorf("time_embedding_dim must be positive and even, got %d", tdim)
		}
		net = seedBackbone{fn: o.BackboneFn, dim: tdim, rngs: rngs}
	default:
		if net, err = builtinBackbone(name, shape, cfg, numClasses, rngs, &e); err != nil {
			return nil, err
		}
	}
	if class == "ScoreDiffusion" {
		sc := diffusion.ScoreConfig{
			Shape: shape, Images: images, EMADecay: emaDecay,
			SigmaMin: e.float(p, "sigma_min", 0.01), SigmaMax: e.float(p, "sigma_max", 50),
			Sampler: e.str(p, "sampler", diffusion.SamplerPredictorCorrector), SamplingSteps: e.int(p, "sampling_steps", 1000),
			SNR: e.float(p, "snr", 0.16), CorrectorSteps: e.int(p, "corrector_steps", 1),
		}
		if e.err != nil {
			return nil, e.err
		}
		diffusionSet(defaults, "sigma_min", sc.SigmaMin, "sigma_max", sc.SigmaMax, "sampler", sc.Sampler,
			"sampling_steps", sc.SamplingSteps, "snr", sc.SNR, "corrector_steps", sc.CorrectorSteps)
		cfg.Parameters = WithDefaults(p, defaults)
		sc.Model = cfg
		return diffusion.NewScore(net, sc)
	}
	steps := e.int(p, "noise_steps", 1000)
	if _, ok := p["num_timesteps"]; ok {
		alt := e.int(p, "num_timesteps", steps)
		if _, both := p["noise_steps"]; both && alt != steps {
			return nil, fmt.Errorf("noise_steps %d and num_timesteps %d disagree", steps, alt)
		}
		steps = alt
	}
	sampler := diffusion.SamplerDDPM
	if class == "DDIM" {
		sampler = diffusion.SamplerDDIM
	}
	lossType := e.str(p, "loss_type", "mse")
	if lossType == "smooth_l1" {
		lossType = "huber"
	}
	dc := diffusion.Config{
		Shape: shape, Timesteps: steps, Images: images, EMADecay: emaDecay, NumClasses: numClasses,
		BetaSchedule: e.str(p, "beta_schedule", diffusion.ScheduleLinear),
		BetaStart:    e.float(p, "beta_start", 1e-4), BetaEnd: e.float(p, "beta_end", 0.02),
		Prediction: e.str(p, "prediction_type", diffusion.PredictEpsilon),
		LossType:   lossType, HuberDelta: e.float(p, "huber_delta", 1),
		MinSNRGamma:  e.float(p, "min_snr_gamma", 0),
		ClipDenoised: e.boolean(p, "clip_denoised", images),
		WrapAngles:   e.boolean(p, "wrapped_angles", false),
		LabelDropout: e.float(p, "label_dropout", 0.1), GuidanceScale: e.float(p, "guidance_scale", 1),
		Sampler: e.str(p, "sampler", sampler), SamplingSteps: e.int(p, "sampling_steps", 0),
		Eta: e.float(p, "eta", 0),
	}
	if e.err != nil {
		return nil, e.err
	}
	diffusionSet(defaults, "noise_steps", steps, "beta_schedule", dc.BetaSchedule, "beta_start", dc.BetaStart, "beta_end", dc.BetaEnd,
		"prediction_type", dc.Prediction, "loss_type", e.str(p, "loss_type", "mse"), "clip_denoised", dc.ClipDenoised,
		"sampler", dc.Sampler, "eta", dc.Eta)
	cfg.Parameters = WithDefaults(p, defaults)
	dc.Model = cfg
	return diffusion.New(net, dc)
}

// diffusionSet sets key/value pairs in m.
func diffusionSet(m map[string]any, kv ...any) {
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
}

// builtinBackbone builds the network the configuration names.
func builtinBackbone(name string, shape []int, cfg config.ModelConfiguration, numClasses int, rngs *nn.Rngs, e *diffusionParams) (diffusion.Backbone, error) {
	p := cfg.Parameters
	dropout := float32(e.float(p, "dropout_rate", 0))
	tdim := e.int(p, "time_embedding_dim", 0)
	heads := e.int(p, "num_heads", 0)
	if e.err != nil {
		return nil, e.err
	}
	hidden := cfg.HiddenDims
	switch name {
	case "unet":
		if len(shape) != 3 {
			return nil, fmt.Errorf("backbone unet needs image input_dim [H, W, C], got %v", []int(cfg.InputDim))
		}
		uc := backbone.UNetConfig{
			InChannels: shape[0], OutChannels: shape[0], Height: shape[1], Width: shape[2],
			Channels: hidden, NumResBlocks: e.int(p, "num_res_blocks", 2),
			AttentionResolutions: e.ints(p, "attention_resolutions", nil),
			TimeEmbeddingDim:     tdim, Heads: heads, Groups: e.int(p, "num_groups", 0),
			Dropout: dropout, NumClasses: numClasses, Activation: cfg.Activation,
		}
		if e.err != nil {
			return nil, e.err
		}
		return backbone.NewUNet(rngs, uc)
	case "mlp":
		size := 1
		for _, n := range shape {
			size *= n
		}
		if len(shape) != 1 {
			return nil, fmt.Errorf("backbone mlp needs vector input_dim [D], got %v", []int(cfg.InputDim))
		}
		return backbone.NewMLP(rngs, backbone.MLPConfig{Dim: size, Hidden: hidden, TimeEmbeddingDim: tdim, NumClasses: numClasses, Activation: cfg.Activation})
	case "transformer":
		if len(shape) != 2 || len(hidden) == 0 {
			return nil, fmt.Errorf("backbone transformer needs sequence input_dim [L, D] and hidden_dims [width], got %v and %v", []int(cfg.InputDim), hidden)
		}
		layers := e.int(p, "num_layers", 4)
		if e.err != nil {
			return nil, e.err
		}
		return backbone.NewTransformer(rngs, backbone.TransformerConfig{
			Length: shape[0], Dim: shape[1], Width: hidden[0], Layers: layers, Heads: heads,
			Dropout: dropout, NumClasses: numClasses, Activation: cfg.Activation,
		})
	}
	return nil, fmt.Errorf("unknown backbone %q (unet, mlp, transformer)", name)
}

// seedBackbone runs a BackboneFn on the sinusoidal embedding of the
// timesteps.
type seedBackbone struct {
	fn   BackboneFn
	dim  int
	rngs *nn.Rngs
}

// Forward implements Backbone.
func (b seedBackbone) Forward(x, t *tensor.Tensor) *tensor.Tensor {
	return b.fn(x, nn.SinusoidalEmbedding(t.Data(), b.dim), b.rngs)
}

// diffusionParams reads parameters, keeping the first error.
type diffusionParams struct{ err error }

func (r *diffusionParams) keep(err error) {
	if r.err == nil {
		r.err = err
	}
}

func (r *diffusionParams) int(p map[string]any, name string, def int) int {
	v, err := GetInt(p, name, def)
	r.keep(err)
	return v
}

func (r *diffusionParams) float(p map[string]any, name string, def float64) float64 {
	v, err := GetFloat(p, name, def)
	r.keep(err)
	return v
}

func (r *diffusionParams) str(p map[string]any, name string, def string) string {
	v, err := GetString(p, name, def)
	r.keep(err)
	return v
}

func (r *diffusionParams) boolean(p map[string]any, name string, def bool) bool {
	v, err := GetBool(p, name, def)
	r.keep(err)
	return v
}

func (r *diffusionParams) ints(p map[string]any, name string, def []int) []int {
	v, err := GetInts(p, name, def)
	r.keep(err)
	return v
}
