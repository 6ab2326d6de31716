package factory

import (
	"errors"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/modality/text"
	"github.com/artifex-go/artifex/models/autoregressive"
	"github.com/artifex-go/artifex/nn"
)

func transformerRegistry(t *testing.T) *Registry {
	t.Helper()
	r := NewRegistry()
	if err := r.Register("autoregressive", transformerBuilder{}); err != nil {
		t.Fatal(err)
	}
	if err := r.RegisterPattern(`Transformer|^GPT$`, "autoregressive"); err != nil {
		t.Fatal(err)
	}
	if err := r.RegisterModality(text.Modality{}); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestTransformerBuilderRecordsEveryDefault(t *testing.T) {
	r := transformerRegistry(t)
	for _, class := range []string{"Transformer", "artifex.generative_models.models.autoregressive.TransformerLM", "GPT"} {
		m, err := r.CreateModel(config.ModelConfiguration{Name: "lm", ModelClass: class}, nn.NewRngs(0))
		if err != nil {
			t.Fatalf("%s: %v", class, err)
		}
		cfg := m.Config()
		if cfg.Activation != "gelu" || len(cfg.HiddenDims) != 1 || cfg.HiddenDims[0] != 128 {
			t.Errorf("%s: architecture defaults %v %q", class, cfg.HiddenDims, cfg.Activation)
		}
		for k, want := range map[string]any{"vocab_size": 256, "max_seq_len": 128, "num_layers": 4, "num_heads": 4, "ff_dim": 512, "dropout_rate": 0.1, "position_embedding": "learned"} {
			if cfg.Parameters[k] != want {
				t.Errorf("%s: %s = %v, want %v", class, k, cfg.Parameters[k], want)
			}
		}
		lm := m.(*autoregressive.Transformer)
		if o := lm.Options(); o.Dim != 128 || o.Layers != 4 || o.FFDim != 512 {
			t.Errorf("%s: options %+v", class, o)
		}
	}
}

func TestTransformerBuilderRejectsBadParameters(t *testing.T) {
	r := transformerRegistry(t)
	for name, c := range map[string]struct {
		cfg  config.ModelConfiguration
		want string
	}{
		"heads":      {config.ModelConfiguration{HiddenDims: []int{30}, Parameters: map[string]any{"num_heads": 4}}, "num_heads"},
		"positions":  {config.ModelConfiguration{Parameters: map[string]any{"position_embedding": "alibi"}}, "position_embedding"},
		"type":       {config.ModelConfiguration{Parameters: map[string]any{"num_layers": "four"}}, "num_layers"},
		"unknown":    {config.ModelConfiguration{Parameters: map[string]any{"num_layer": 2}}, "num_layer"},
		"activation": {config.ModelConfiguration{Activation: "relu"}, "gelu"},
		"widths":     {config.ModelConfiguration{HiddenDims: []int{64, 64}}, "one number"},
	} {
		c.cfg.Name, c.cfg.ModelClass = "lm", "Transformer"
		if _, err := r.CreateModel(c.cfg, nn.NewRngs(0)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want one naming %s", name, err, c.want)
		}
	}
}

func TestTransformerBuilderBuildsRotaryPositions(t *testing.T) {
	r := transformerRegistry(t)
	cfg := config.ModelConfiguration{Name: "lm", ModelClass: "GPT", HiddenDims: []int{32}, Parameters: map[string]any{"position_embedding": "rope", "max_seq_len": 16}}
	m, err := r.CreateModel(cfg, nn.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	lm := m.(*autoregressive.Transformer)
	if lm.PositionEmbedding != nil || lm.Blocks[3].Attn.Rotary == nil || m.Config().Parameters["position_embedding"] != "rope" {
		t.Errorf("rope: position embedding %v, last block's rotary %v, config %v", lm.PositionEmbedding, lm.Blocks[3].Attn.Rotary, m.Config().Parameters)
	}
}

func TestTextModalityAdaptsTransformerThroughTheFactory(t *testing.T) {
	r := transformerRegistry(t)
	cfg := config.ModelConfiguration{Name: "lm", ModelClass: "GPT", HiddenDims: []int{32}, Parameters: map[string]any{"vocab_size": 260, "max_seq_len": 16}}
	m, err := r.CreateModel(cfg, nn.NewRngs(0), WithModality("text"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.(*autoregressive.Transformer).Tokenizer().(text.ByteTokenizer); !ok {
		t.Error("byte tokeniser not bound")
	}
	cfg.Parameters["vocab_size"] = 256
	_, err = r.CreateModel(cfg, nn.NewRngs(0), WithModality("text"))
	var me *ModalityError
	if !errors.As(err, &me) || !strings.Contains(err.Error(), "Failed to apply modality 'text'") {
		t.Errorf("vocab 256 with the byte tokeniser: err = %v", err)
	}
}
