package factory

import (
	"fmt"
	"strings"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/models/autoregressive"
	"github.com/artifex-go/artifex/nn"
)

// transformerBuilder builds the decoder-only Transformer language model
// (models/autoregressive). TransformerLM and GPT are aliases. hidden_dims[0]
// is the model width and output_dim the vocabulary size (vocab_size;
// either may be given, both must agree). input_dim, when given, is the
// token count of one training example and is only checked against the
// data.
type transformerBuilder struct{}

// transformerClasses are the class names the builder accepts.
var transformerClasses = []string{"Transformer", "TransformerLM", "GPT"}

// transformerDefaults are the parameters and their defaults; ff_dim is
// absent: it defaults to 4 × the width.
var transformerDefaults = map[string]any{
	"vocab_size":         256,
	"max_seq_len":        128,
	"num_layers":         4,
	"num_heads":          4,
	"dropout_rate":       0.1,
	"position_embedding": autoregressive.LearnedPositions,
}

// transformerDefaultWidth is the model width when hidden_dims is empty.
const transformerDefaultWidth = 128

// Classes implements Describer.
func (transformerBuilder) Classes() []string { return append([]string(nil), transformerClasses...) }

// ParameterSchema implements Describer.
func (transformerBuilder) ParameterSchema(string) config.ParameterSchema {
	return autoregressiveSchema(transformerDefaults, "ff_dim", "gradient_checkpointing")
}

// Build implements Builder: it fills the missing defaults (width 128,
// gelu, the parameters above), keeps the user's values and builds the
// model.
func (b transformerBuilder) Build(cfg config.ModelConfiguration, rngs *nn.Rngs, _ ...Option) (Model, error) {
	class := ClassName(cfg.ModelClass)
	valid := false
	for _, c := range transformerClasses {
		valid = valid || c == class
	}
	if !valid {
		return nil, fmt.Errorf("unknown transformer class %q; transformer classes: %s", class, strings.Join(transformerClasses, ", "))
	}
	if len(cfg.HiddenDims) == 0 {
		cfg.HiddenDims = []int{transformerDefaultWidth}
	}
	if len(cfg.HiddenDims) != 1 {
		return nil, fmt.Errorf("hidden_dims is the model width, one number; got %v (use num_layers for depth)", cfg.HiddenDims)
	}
	switch cfg.Activation {
	case "":
		cfg.Activation = "gelu"
	case "gelu":
	default:
		return nil, fmt.Errorf("the Transformer's feed-forward layers use gelu; activation %q is not supported", cfg.Activation)
	}
	switch len(cfg.OutputDim) {
	case 0:
	case 1:
		if v, ok := cfg.Parameters["vocab_size"]; ok {
			if n, _ := config.AsInt(v); n != cfg.OutputDim[0] {
				return nil, fmt.Errorf("output_dim %d and vocab_size %v differ; both are the vocabulary size", cfg.OutputDim[0], v)
			}
		} else {
			cfg.Parameters = WithDefaults(cfg.Parameters, map[string]any{"vocab_size": cfg.OutputDim[0]})
		}
	default:
		return nil, fmt.Errorf("output_dim is the vocabulary size, one number; got %v", cfg.OutputDim)
	}
	width := cfg.HiddenDims[0]
	cfg.Parameters = WithDefaults(cfg.Parameters, WithDefaults(transformerDefaults, map[string]any{"ff_dim": 4 * width}))
	p := cfg.Parameters
	var errs paramErrors
	o := autoregressive.TransformerOptions{
		VocabSize:     errs.int(GetInt(p, "vocab_size", 0)),
		ContextLength: errs.int(GetInt(p, "max_seq_len", 0)),
		Dim:           width,
		Layers:        errs.int(GetInt(p, "num_layers", 0)),
		Heads:         errs.int(GetInt(p, "num_heads", 0)),
		FFDim:         errs.int(GetInt(p, "ff_dim", 0)),
		Dropout:       float32(errs.float(GetFloat(p, "dropout_rate", 0))),
		Positions:     errs.str(GetString(p, "position_embedding", "")),
	}
	o.GradientCheckpointing = errs.bool(GetBool(p, "gradient_checkpointing", false))
	if errs.err != nil {
		return nil, errs.err
	}
	cfg.OutputDim = config.Dims{o.VocabSize}
	return built(autoregressive.NewTransformer(cfg, o, rngs))
}
