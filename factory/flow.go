package factory

import (
	"fmt"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/models/flow"
	"github.com/artifex-go/artifex/nn"
)

// flowBuilder builds the flow family (models/flow): RealNVP, Glow, MAF,
// IAF and NeuralSplineFlow.
type flowBuilder struct{}

// flowParameters are the parameters every flow class reads.
var flowParameters = []string{
	"num_scales", "num_layers", "actnorm", "split_prior", "lu_decomposed", "batch_norm", "num_bins", "tail_bound",
	"base_distribution", "num_classes", "dequantize", "logit_alpha", "sample_temperature", config.DataFormatParam,
}

// Classes returns the flow classes.
func (flowBuilder) Classes() []string { return flow.Classes }

// ParameterSchema returns the flow parameters; all classes share them.
func (flowBuilder) ParameterSchema(string) config.ParameterSchema {
	return config.ParameterSchema{Family: "flow", Known: flowParameters}
}

// flowDefaults returns the defaults of a class: image data are dequantised
// and logit-transformed (RealNVP's alpha 0.05; MAF's 1e-6, as its paper
// did on MNIST), vector data are neither.
func flowDefaults(class string, image bool) map[string]any {
	d := map[string]any{
		"num_scales": 2, "num_layers": 3, "actnorm": false, "split_prior": false, "lu_decomposed": true, "batch_norm": false,
		"num_bins": 8, "tail_bound": 3.0, "base_distribution": "normal", "num_classes": 0,
		"dequantize": image, "logit_alpha": 0.0, "sample_temperature": 1.0,
	}
	switch class {
	case "Glow":
		d["num_layers"] = 4
	case "MAF", "IAF":
		d["num_layers"] = 5
		d["batch_norm"] = class == "MAF"
	case "NeuralSplineFlow":
		d["num_layers"] = 4
	}
	if image {
		d["logit_alpha"] = 0.05
		if class == "MAF" || class == "IAF" {
			d["logit_alpha"] = 1e-6
		}
	}
	return d
}

// Build reads the configuration into a flow.Spec. input_dim is an image
// shape, [H, W, C] or [C, H, W] (see config.ImageShape), or [D] for
// vectors; hidden_dims are the conditioner widths (default [64, 64]).
func (flowBuilder) Build(cfg config.ModelConfiguration, rngs *nn.Rngs, _ ...Option) (Model, error) {
	class := ClassName(cfg.ModelClass)
	shape, err := imageCHW(&cfg, cfg.InputDim)
	if err != nil {
		return nil, fmt.Errorf("input_dim: %w", err)
	}
	var image []int
	if len(shape) == 3 {
		image = shape
	}
	cfg.Parameters = WithDefaults(cfg.Parameters, flowDefaults(class, image != nil))
	if len(cfg.HiddenDims) == 0 {
		cfg.HiddenDims = []int{64, 64}
	}
	p := cfg.Parameters
	spec := flow.Spec{Class: class, Shape: shape, Image: image, Hidden: cfg.HiddenDims}
	var errs paramErrors
	spec.NumScales = errs.int(GetInt(p, "num_scales", 0))
	spec.NumLayers = errs.int(GetInt(p, "num_layers", 0))
	spec.ActNorm = errs.bool(GetBool(p, "actnorm", false))
	spec.SplitPrior = errs.bool(GetBool(p, "split_prior", false))
	spec.LU = errs.bool(GetBool(p, "lu_decomposed", false))
	spec.BatchNorm = errs.bool(GetBool(p, "batch_norm", false))
	spec.NumBins = errs.int(GetInt(p, "num_bins", 0))
	spec.TailBound = errs.float(GetFloat(p, "tail_bound", 0))
	spec.BaseDist = errs.str(GetString(p, "base_distribution", ""))
	spec.NumClasses = errs.int(GetInt(p, "num_classes", 0))
	spec.Dequantize = errs.bool(GetBool(p, "dequantize", false))
	spec.LogitAlpha = errs.float(GetFloat(p, "logit_alpha", 0))
	spec.Temperature = errs.float(GetFloat(p, "sample_temperature", 1))
	if errs.err != nil {
		return nil, errs.err
	}
	return flow.New(cfg, spec, rngs)
}
