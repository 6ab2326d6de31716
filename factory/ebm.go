package factory

import (
	"fmt"
	"strings"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/models/ebm"
	"github.com/artifex-go/artifex/nn"
)

// ebmBuilder builds the energy-based family (models/ebm): EBM with an MLP
// or CNN energy network, and DeepEBM with a residual CNN.
type ebmBuilder struct{}

// ebmClasses are the class names the builder accepts.
var ebmClasses = []string{"EBM", "DeepEBM"}

// ebmDefaults are the parameters with their defaults. The sampler and
// buffer follow Du & Mordatch (2019): 60 steps of size 10 with noise
// 0.005 and gradients clipped at 0.01, a 10000-sample buffer refreshed
// from noise with probability 0.05, and α = 1. energy_network (mlp for
// vector input_dim, cnn for images; deep for DeepEBM), data_range
// (metadata.training_defaults.range, else [0, 1]) and sample_steps
// (mcmc_steps) depend on other settings and are filled in by Build.
var ebmDefaults = map[string]any{
	"mcmc_steps": 60, "step_size": 10.0, "noise_scale": 0.005, "gradient_clip": 0.01,
	"temperature": 1.0, "replay_buffer_size": 10000, "reinit_probability": 0.05,
	"energy_regularization": 1.0, "objective": ebm.ContrastiveDivergence, "dsm_sigma": 0.1,
	"sample_init": ebm.FromBuffer, "fourier_features": 0, "fourier_scale": 1.0,
}

// ebmAliases are the other names some parameters go by (those of the
// Python original's EBM configuration), each mapped to its name here.
var ebmAliases = map[string]string{
	"n_steps": "mcmc_steps", "capacity": "replay_buffer_size",
	"reinit_prob": "reinit_probability", "alpha": "energy_regularization",
}

// Architecture defaults applied to a configuration that leaves them out.
var (
	ebmDefaultActivation = "swish"
	ebmDefaultHidden     = map[string][]int{ebm.MLP: {256, 256}, ebm.CNN: {32, 64, 128}, ebm.Deep: {32, 64, 128}}
)

// Classes implements Describer.
func (ebmBuilder) Classes() []string { return append([]string(nil), ebmClasses...) }

// ParameterSchema implements Describer.
func (ebmBuilder) ParameterSchema(string) config.ParameterSchema {
	known := []string{"energy_network", "data_range", "sample_steps", config.DataFormatParam}
	for k := range ebmDefaults {
		known = append(known, k)
	}
	for k := range ebmAliases {
		known = append(known, k)
	}
	return config.ParameterSchema{Family: "ebm", Known: known}
}

// Build implements Builder. output_dim may be left out or be 1 (the
// energy is a scalar); hidden_dims default by network.
func (ebmBuilder) Build(cfg config.ModelConfiguration, rngs *nn.Rngs, _ ...Option) (Model, error) {
	class := ClassName(cfg.ModelClass)
	if class != "EBM" && class != "DeepEBM" {
		return nil, fmt.Errorf("unknown ebm class %q; ebm classes: %s", class, strings.Join(ebmClasses, ", "))
	}
	if len(cfg.InputDim) == 0 {
		return nil, fmt.Errorf("input_dim must be given (e.g. [28, 28, 1] or [2])")
	}
	switch {
	case len(cfg.OutputDim) == 0:
		cfg.OutputDim = config.Dims{1}
	case len(cfg.OutputDim) != 1 || cfg.OutputDim[0] != 1:
		return nil, fmt.Errorf("output_dim is the energy's size and must be 1 (or left out), got %v", cfg.OutputDim)
	}
	if cfg.Activation == "" {
		cfg.Activation = ebmDefaultActivation
	}
	shape, err := imageHWC(&cfg, cfg.InputDim)
	if err != nil {
		return nil, fmt.Errorf("input_dim: %w", err)
	}
	p := cfg.Parameters
	for alias, name := range ebmAliases {
		v, ok := p[alias]
		if !ok {
			continue
		}
		if w, both := p[name]; both && fmt.Sprint(w) != fmt.Sprint(v) {
			return nil, fmt.Errorf("parameters %q (%v) and %q (%v) name the same setting with different values; give one", alias, v, name, w)
		}
		p = WithDefaults(p, map[string]any{name: v})
	}
	image := len(cfg.InputDim) == 3
	network := ebm.MLP
	if image {
		network = ebm.CNN
	}
	if class == "DeepEBM" {
		network = ebm.Deep
		if v, ok := p["energy_network"]; ok && v != ebm.Deep {
			return nil, fmt.Errorf("DeepEBM's energy_network is %q, got %v (use class EBM for mlp or cnn)", ebm.Deep, v)
		}
	}
	steps, err := GetInt(p, "mcmc_steps", ebmDefaults["mcmc_steps"].(int))
	if err != nil {
		return nil, err
	}
	dataRange := []any{0.0, 1.0}
	if td, ok := cfg.Metadata["training_defaults"].(map[string]any); ok {
		if r, ok := td["range"]; ok {
			if rr, ok := r.([]any); ok {
				dataRange = rr
			}
		}
	}
	cfg.Parameters = WithDefaults(p, WithDefaults(ebmDefaults, map[string]any{
		"energy_network": network, "data_range": dataRange, "sample_steps": steps,
	}))
	p = cfg.Parameters
	net, err := GetString(p, "energy_network", "")
	if err != nil {
		return nil, err
	}
	if len(cfg.HiddenDims) == 0 {
		hidden, ok := ebmDefaultHidden[net]
		if !ok {
			return nil, fmt.Errorf("parameter %q must be one of %s, got %q", "energy_network", strings.Join(ebm.Networks, ", "), net)
		}
		cfg.HiddenDims = append([]int(nil), hidden...)
	}
	lo, hi, err := floatPair(p, "data_range")
	if err != nil {
		return nil, err
	}
	o := ebm.Options{
		InputShape: shape,
		HiddenDims: append([]int(nil), cfg.HiddenDims...),
		Activation: cfg.Activation,
		Network:    net,
	}
	var errs paramErrors
	o.Langevin = ebm.Langevin{
		Steps:       errs.int(GetInt(p, "mcmc_steps", 0)),
		StepSize:    errs.float(GetFloat(p, "step_size", 0)),
		NoiseScale:  errs.float(GetFloat(p, "noise_scale", 0)),
		GradClip:    errs.float(GetFloat(p, "gradient_clip", 0)),
		Temperature: errs.float(GetFloat(p, "temperature", 0)),
		Min:         lo, Max: hi,
	}
	o.BufferSize = errs.int(GetInt(p, "replay_buffer_size", 0))
	o.ReinitProb = errs.float(GetFloat(p, "reinit_probability", 0))
	o.Alpha = errs.float(GetFloat(p, "energy_regularization", 0))
	o.Objective = errs.str(GetString(p, "objective", ""))
	o.DSMSigma = errs.float(GetFloat(p, "dsm_sigma", 0))
	o.SampleInit = errs.str(GetString(p, "sample_init", ""))
	o.SampleSteps = errs.int(GetInt(p, "sample_steps", 0))
	o.FourierFeatures = errs.int(GetInt(p, "fourier_features", 0))
	o.FourierScale = errs.float(GetFloat(p, "fourier_scale", 0))
	if errs.err != nil {
		return nil, errs.err
	}
	return built(ebm.New(cfg, o, rngs))
}

// floatPair reads a two-number list parameter.
func floatPair(params map[string]any, name string) (float64, float64, error) {
	v := params[name]
	var items []any
	switch l := v.(type) {
	case []any:
		items = l
	case []float64:
		for _, x := range l {
			items = append(items, x)
		}
	case []int:
		for _, x := range l {
			items = append(items, x)
		}
	}
	if len(items) != 2 {
		return 0, 0, badParam(name, "a list of two numbers [low, high]", v)
	}
	lo, ok1 := config.AsFloat(items[0])
	hi, ok2 := config.AsFloat(items[1])
	if !ok1 || !ok2 {
		return 0, 0, badParam(name, "a list of two numbers [low, high]", v)
	}
	return lo, hi, nil
}
