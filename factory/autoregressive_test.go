package factory

import (
	"slices"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/modality/audio"
	"github.com/artifex-go/artifex/models/autoregressive"
	"github.com/artifex-go/artifex/nn"
)

func TestPixelCNNBuilderRecordsDefaultsAndKeepsUserParameters(t *testing.T) {
	cfg := config.ModelConfiguration{
		Name: "pcnn", ModelClass: "artifex.generative_models.models.autoregressive.PixelCNN",
		InputDim: config.Dims{8, 8, 1}, HiddenDims: []int{8},
		Parameters: map[string]any{"num_residual_blocks": 2, "num_levels": 2},
	}
	m, err := CreateModel(cfg, nn.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	got := m.Config()
	p := got.Parameters
	if p["num_residual_blocks"] != 2 || p["num_levels"] != 2 || p["first_kernel_size"] != 7 || p["kernel_size"] != 3 ||
		p["output_hidden_channels"] != 1024 || p["gated"] != false {
		t.Errorf("effective parameters %v: want the user's values and the paper's defaults", p)
	}
	if got.Activation != "relu" || len(got.OutputDim) != 3 {
		t.Errorf("effective activation %q and output_dim %v: want relu and the input shape", got.Activation, got.OutputDim)
	}
	if len(cfg.Parameters) != 2 {
		t.Errorf("the caller's parameters were changed: %v", cfg.Parameters)
	}
	o := m.(*autoregressive.PixelCNN).Options()
	if o.Channels != 1 || o.Height != 8 || o.Width != 8 || o.Hidden != 8 || !o.Binary() || o.ResidualBlocks != 2 {
		t.Errorf("options %+v", o)
	}
}

func TestAutoregressiveBuilderRejectsBadConfigurations(t *testing.T) {
	base := config.ModelConfiguration{ModelClass: "PixelCNN", InputDim: config.Dims{8, 8, 3}, HiddenDims: []int{12},
		Parameters: map[string]any{"num_residual_blocks": 1, "output_hidden_channels": 8}}
	for want, edit := range map[string]func(c *config.ModelConfiguration){
		`unknown parameter "num_level"`:        func(c *config.ModelConfiguration) { c.Parameters["num_level"] = 3 },
		"num_levels must be 2":                 func(c *config.ModelConfiguration) { c.Parameters["num_levels"] = 1 },
		"output_dim must equal input_dim":      func(c *config.ModelConfiguration) { c.OutputDim = config.Dims{10} },
		"input_dim must be an image shape":     func(c *config.ModelConfiguration) { c.InputDim = config.Dims{784} },
		"hidden_dims is the residual stream":   func(c *config.ModelConfiguration) { c.HiddenDims = []int{8, 8} },
		"activation must be relu":              func(c *config.ModelConfiguration) { c.Activation = "gelu" },
		"kernel_size must be odd and positive": func(c *config.ModelConfiguration) { c.Parameters["kernel_size"] = 2 },
	} {
		cfg := base.Clone()
		edit(&cfg)
		if _, err := CreateModel(cfg, nn.NewRngs(0)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v", want, err)
		}
	}
	_, err := CreateModel(config.ModelConfiguration{ModelClass: "artifex.generative_models.models.autoregressive.PixelRNN", InputDim: config.Dims{8, 8, 1}}, nn.NewRngs(0))
	if err == nil || !strings.Contains(err.Error(), "PixelRNN") || !strings.Contains(err.Error(), "PixelCNN") {
		t.Errorf("unknown class: error %v, want it named with the classes listed", err)
	}
}

func TestWaveNetBuilderRecordsDefaultsAndDilations(t *testing.T) {
	cfg := config.ModelConfiguration{ModelClass: "artifex.generative_models.models.autoregressive.WaveNet", InputDim: config.Dims{4000},
		Parameters: map[string]any{"layers_per_stack": 3}}
	m, err := CreateModel(cfg, nn.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	w := m.(*autoregressive.WaveNet)
	o := w.Options()
	if !slices.Equal(o.Dilations, []int{1, 2, 4, 1, 2, 4}) || o.Levels != 256 || o.SampleRate != 8000 || o.Residual != 32 || o.Skip != 64 {
		t.Errorf("options %+v", o)
	}
	got := m.Config()
	if got.Parameters["num_stacks"] != 2 || got.Parameters["sample_rate"] != 8000 || got.Activation != "tanh" || got.OutputDim[0] != 256 {
		t.Errorf("effective configuration %+v", got)
	}
	if w.ReceptiveField() != 15 {
		t.Errorf("receptive field %d, want 15", w.ReceptiveField())
	}
	for want, edit := range map[string]func(c *config.ModelConfiguration){
		"training segment length": func(c *config.ModelConfiguration) { c.InputDim = config.Dims{28, 28} },
		"three numbers":           func(c *config.ModelConfiguration) { c.HiddenDims = []int{8} },
		"layers_per_stack in":     func(c *config.ModelConfiguration) { c.Parameters = map[string]any{"layers_per_stack": 0} },
		"output_dim is the number of levels": func(c *config.ModelConfiguration) {
			c.OutputDim = config.Dims{10}
		},
	} {
		c := cfg.Clone()
		edit(&c)
		if _, err := CreateModel(c, nn.NewRngs(0)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v", want, err)
		}
	}
}

func TestAudioModalityAdaptsWaveNetAndRefusesPixelCNN(t *testing.T) {
	wn := config.ModelConfiguration{ModelClass: "WaveNet", InputDim: config.Dims{1000}, HiddenDims: []int{4, 4, 4},
		Parameters: map[string]any{"layers_per_stack": 2, "num_stacks": 1, "sample_rate": 16000}}
	m, err := CreateModel(wn, nn.NewRngs(0), WithModality("audio"))
	if err != nil {
		t.Fatal(err)
	}
	a, ok := m.(*audio.Waveform)
	if !ok || a.SampleRate() != 16000 || m.Config().Metadata["sample_rate"] != 16000 {
		t.Fatalf("adapted model %T with metadata %v", m, m.Config().Metadata)
	}
	pc := config.ModelConfiguration{ModelClass: "PixelCNN", InputDim: config.Dims{4, 4, 1}, HiddenDims: []int{4},
		Parameters: map[string]any{"num_residual_blocks": 0, "output_hidden_channels": 4}}
	_, err = CreateModel(pc, nn.NewRngs(0), WithModality("audio"))
	if err == nil || !strings.HasPrefix(err.Error(), "Failed to apply modality 'audio':") || !strings.Contains(err.Error(), "WaveNet") {
		t.Errorf("PixelCNN with the audio modality: err = %v", err)
	}
}
