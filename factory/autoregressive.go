package factory

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/models/autoregressive"
	"github.com/artifex-go/artifex/nn"
)

// autoregressiveBuilder builds the autoregressive family
// (models/autoregressive) by handing each class to its own builder.
type autoregressiveBuilder struct{}

// autoregressiveDelegates maps each autoregressive class to the builder
// that builds it. The delegates implement Describer too.
var autoregressiveDelegates = map[string]Builder{
	"PixelCNN":      pixelCNNBuilder{},
	"WaveNet":       waveNetBuilder{},
	"Transformer":   transformerBuilder{},
	"TransformerLM": transformerBuilder{},
	"GPT":           transformerBuilder{},
}

// Classes implements Describer: the delegates' classes, sorted.
func (autoregressiveBuilder) Classes() []string {
	names := make([]string, 0, len(autoregressiveDelegates))
	for k := range autoregressiveDelegates {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// ParameterSchema implements Describer with the delegate's schema.
func (autoregressiveBuilder) ParameterSchema(class string) config.ParameterSchema {
	if d, ok := autoregressiveDelegates[class].(Describer); ok {
		return d.ParameterSchema(class)
	}
	return config.ParameterSchema{Family: "autoregressive"}
}

// Build implements Builder by dispatching on the class name.
func (b autoregressiveBuilder) Build(cfg config.ModelConfiguration, rngs *nn.Rngs, opts ...Option) (Model, error) {
	class := ClassName(cfg.ModelClass)
	d, ok := autoregressiveDelegates[class]
	if !ok {
		return nil, fmt.Errorf("unknown autoregressive class %q; autoregressive classes: %s", class, strings.Join(b.Classes(), ", "))
	}
	return d.Build(cfg, rngs, opts...)
}

// pixelCNNBuilder builds autoregressive.PixelCNN.
type pixelCNNBuilder struct{}

// pixelCNNDefaults follow the PixelCNN paper's CIFAR-10 network (van den
// Oord et al. 2016): 15 residual blocks, a 7×7 type A convolution, 3×3
// blocks, 1024-wide output layers, 256-way softmax.
var pixelCNNDefaults = map[string]any{
	"num_residual_blocks":    15,
	"first_kernel_size":      7,
	"kernel_size":            3,
	"output_hidden_channels": 1024,
	"num_levels":             256,
	"gated":                  false,
}

// pixelCNNDefaultHidden is the residual stream width (the paper's h).
var pixelCNNDefaultHidden = []int{128}

// Classes implements Describer.
func (pixelCNNBuilder) Classes() []string { return []string{"PixelCNN"} }

// ParameterSchema implements Describer.
func (pixelCNNBuilder) ParameterSchema(string) config.ParameterSchema {
	return autoregressiveSchema(pixelCNNDefaults, config.DataFormatParam)
}

// autoregressiveSchema is the schema of a class whose parameters are
// exactly the keys of its defaults.
func autoregressiveSchema(defaults map[string]any, extra ...string) config.ParameterSchema {
	known := append(slices.Collect(maps.Keys(defaults)), extra...)
	slices.Sort(known)
	return config.ParameterSchema{Family: "autoregressive", Known: known}
}

// fixActivation sets an empty activation to the only one the class has,
// want, and refuses any other, saying why.
func fixActivation(cfg *config.ModelConfiguration, class, want, why string) error {
	switch cfg.Activation {
	case "":
		cfg.Activation = want
	case want:
	default:
		return fmt.Errorf("%s activation must be %s (%s), got %q", class, want, why, cfg.Activation)
	}
	return nil
}

// Build reads input_dim (an image shape, [H, W, C] or [C, H, W], see
// config.ImageShape, or [H, W] for one channel), hidden_dims
// (one entry: the residual stream width) and the parameters; output_dim
// defaults to input_dim and must equal it.
func (pixelCNNBuilder) Build(cfg config.ModelConfiguration, rngs *nn.Rngs, _ ...Option) (Model, error) {
	chw, err := imageCHW(&cfg, cfg.InputDim)
	if err != nil {
		return nil, fmt.Errorf("input_dim: %w", err)
	}
	switch len(chw) {
	case 2:
		chw = []int{1, cfg.InputDim[0], cfg.InputDim[1]}
	case 3:
	default:
		return nil, fmt.Errorf("PixelCNN input_dim must be an image shape [H, W, C] (e.g. [28, 28, 1]), got %v", cfg.InputDim)
	}
	if len(cfg.OutputDim) == 0 {
		cfg.OutputDim = slices.Clone(cfg.InputDim)
	} else if !slices.Equal(cfg.OutputDim, cfg.InputDim) {
		return nil, fmt.Errorf("PixelCNN output_dim must equal input_dim %v (it models the image itself), got %v", cfg.InputDim, cfg.OutputDim)
	}
	switch len(cfg.HiddenDims) {
	case 0:
		cfg.HiddenDims = slices.Clone(pixelCNNDefaultHidden)
	case 1:
	default:
		return nil, fmt.Errorf("PixelCNN hidden_dims is the residual stream width, one number (e.g. [128]); got %v", cfg.HiddenDims)
	}
	if err := fixActivation(&cfg, "PixelCNN", "relu", "gated blocks use tanh·sigmoid by definition"); err != nil {
		return nil, err
	}
	cfg.Parameters = WithDefaults(cfg.Parameters, pixelCNNDefaults)
	p := cfg.Parameters
	var errs paramErrors
	o := autoregressive.PixelCNNOptions{
		Channels: chw[0], Height: chw[1], Width: chw[2],
		Hidden:         cfg.HiddenDims[0],
		ResidualBlocks: errs.int(GetInt(p, "num_residual_blocks", 0)),
		FirstKernel:    errs.int(GetInt(p, "first_kernel_size", 0)),
		Kernel:         errs.int(GetInt(p, "kernel_size", 0)),
		OutputHidden:   errs.int(GetInt(p, "output_hidden_channels", 0)),
		Levels:         errs.int(GetInt(p, "num_levels", 0)),
		Gated:          errs.bool(GetBool(p, "gated", false)),
	}
	if errs.err != nil {
		return nil, errs.err
	}
	return built(autoregressive.NewPixelCNN(cfg, o, rngs))
}
