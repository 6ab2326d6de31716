package factory

import (
	"fmt"
	"slices"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/models/autoregressive"
	"github.com/artifex-go/artifex/nn"
)

// waveNetBuilder builds autoregressive.WaveNet.
type waveNetBuilder struct{}

// waveNetDefaults: 8-bit mu-law at 8 kHz, kernel 2, two stacks of dilations
// 1, 2, …, 512 (the paper's 1…512 blocks; receptive field 2047 samples ≈
// 256 ms).
var waveNetDefaults = map[string]any{
	"num_levels":       256,
	"kernel_size":      2,
	"num_stacks":       2,
	"layers_per_stack": 10,
	"sample_rate":      8000,
}

// waveNetDefaultHidden are the residual, dilation (gate) and skip widths.
var waveNetDefaultHidden = []int{32, 32, 64}

// Classes implements Describer.
func (waveNetBuilder) Classes() []string { return []string{"WaveNet"} }

// ParameterSchema implements Describer.
func (waveNetBuilder) ParameterSchema(string) config.ParameterSchema {
	return autoregressiveSchema(waveNetDefaults)
}

// Build reads input_dim ([T]: the training segment length in samples),
// hidden_dims ([residual, dilation, skip] channels) and the parameters;
// output_dim defaults to [num_levels] and must equal it. Layer l of each
// stack has dilation 2^l.
func (waveNetBuilder) Build(cfg config.ModelConfiguration, rngs *nn.Rngs, _ ...Option) (Model, error) {
	if len(cfg.InputDim) != 1 || cfg.InputDim[0] <= 0 {
		return nil, fmt.Errorf("WaveNet input_dim must be one positive number, the training segment length in samples (e.g. [4000]); got %v", cfg.InputDim)
	}
	switch len(cfg.HiddenDims) {
	case 0:
		cfg.HiddenDims = slices.Clone(waveNetDefaultHidden)
	case 3:
	default:
		return nil, fmt.Errorf("WaveNet hidden_dims are the residual, dilation and skip channels, three numbers (e.g. [32, 32, 64]); got %v", cfg.HiddenDims)
	}
	cfg.Parameters = WithDefaults(cfg.Parameters, waveNetDefaults)
	p := cfg.Parameters
	var errs paramErrors
	levels := errs.int(GetInt(p, "num_levels", 0))
	kernel := errs.int(GetInt(p, "kernel_size", 0))
	stacks := errs.int(GetInt(p, "num_stacks", 0))
	layers := errs.int(GetInt(p, "layers_per_stack", 0))
	rate := errs.int(GetInt(p, "sample_rate", 0))
	if errs.err != nil {
		return nil, errs.err
	}
	if stacks <= 0 || layers <= 0 || layers > 16 {
		return nil, fmt.Errorf("WaveNet num_stacks must be > 0 and layers_per_stack in [1, 16], got %d and %d", stacks, layers)
	}
	if len(cfg.OutputDim) == 0 {
		cfg.OutputDim = config.Dims{levels}
	} else if len(cfg.OutputDim) != 1 || cfg.OutputDim[0] != levels {
		return nil, fmt.Errorf("WaveNet output_dim is the number of levels, [%d]; got %v", levels, cfg.OutputDim)
	}
	if err := fixActivation(&cfg, "WaveNet", "tanh", "its gated units are tanh(f)·sigmoid(g)"); err != nil {
		return nil, err
	}
	var dil []int
	for range stacks {
		for l := range layers {
			dil = append(dil, 1<<l)
		}
	}
	o := autoregressive.WaveNetOptions{
		Levels: levels, Residual: cfg.HiddenDims[0], Dilation: cfg.HiddenDims[1], Skip: cfg.HiddenDims[2],
		Kernel: kernel, Dilations: dil, SampleRate: rate,
	}
	return built(autoregressive.NewWaveNet(cfg, o, rngs))
}
