package factory

import (
	"reflect"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/nn"
)

func smallVAE(class string, params map[string]any) config.ModelConfiguration {
	return config.ModelConfiguration{
		Name: "v", ModelClass: class, InputDim: config.Dims{28, 28, 1},
		HiddenDims: []int{16}, OutputDim: config.Dims{4}, Parameters: params,
	}
}

func TestVAEBuilderKeepsUserParametersAndReportsEveryDefault(t *testing.T) {
	user := map[string]any{"encoder_type": "cnn", "kl_weight": 0.5}
	cfg := smallVAE("artifex.generative_models.models.vae.VAE", user)
	cfg.HiddenDims, cfg.OutputDim, cfg.Activation = nil, nil, ""
	m, err := CreateModel(cfg, nn.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	got := m.Config()
	want := map[string]any{
		"encoder_type": "cnn", "kl_weight": 0.5, // the user's
		"decoder_type": "cnn", "reconstruction_loss": "bce", "dropout_rate": 0.0, "beta": 1.0, // defaults
		"data_format": "channels_last", // the layout read from input_dim
	}
	if !reflect.DeepEqual(got.Parameters, want) {
		t.Errorf("effective parameters %v, want %v", got.Parameters, want)
	}
	if !reflect.DeepEqual(got.HiddenDims, []int{512, 256}) || !reflect.DeepEqual(got.OutputDim, config.Dims{32}) || got.Activation != "relu" {
		t.Errorf("effective architecture hidden %v latent %v activation %q, want [512 256] [32] relu", got.HiddenDims, got.OutputDim, got.Activation)
	}
	if len(user) != 2 || cfg.HiddenDims != nil {
		t.Error("building changed the caller's configuration")
	}
}

func TestVAEBuilderDefaultsPerClass(t *testing.T) {
	for class, keys := range map[string][]string{
		"BetaVAE": {"beta", "beta_warmup_steps", "use_capacity", "capacity_max", "capacity_steps", "gamma"},
		"CVAE":    {"kl_weight", "num_classes"},
		"VQVAE":   {"num_embeddings", "embedding_dim", "commitment_cost", "use_ema", "ema_decay"},
	} {
		m, err := CreateModel(smallVAE(class, nil), nn.NewRngs(0))
		if err != nil {
			t.Fatalf("%s: %v", class, err)
		}
		for _, k := range keys {
			if _, ok := m.Config().Parameters[k]; !ok {
				t.Errorf("%s: default %q not reported in Config().Parameters %v", class, k, m.Config().Parameters)
			}
		}
	}
}

func TestVAEBuilderErrorsNameTheParameter(t *testing.T) {
	for _, c := range []struct {
		class  string
		params map[string]any
		input  config.Dims
		want   string
	}{
		{"VAE", map[string]any{"encoder_type": "rnn"}, nil, `parameter "encoder_type" must be one of mlp, cnn, got "rnn"`},
		{"VAE", map[string]any{"decoder_type": "cnn"}, config.Dims{784}, `parameter "decoder_type" cnn needs image input_dim [H, W, C]`},
		{"VAE", map[string]any{"reconstruction_loss": "l1"}, nil, `parameter "reconstruction_loss" must be one of bce, mse, categorical`},
		{"VAE", map[string]any{"reconstruction_loss": "categorical"}, nil, `categorical needs sequence input_dim [L, K]`},
		{"VAE", map[string]any{"kl_weight": "heavy"}, nil, `parameter "kl_weight" must be a number, got string "heavy"`},
		{"VAE", map[string]any{"kl_weight": -1.0}, nil, `parameter "kl_weight" must be a finite number >= 0`},
		{"VAE", map[string]any{"dropout_rate": 1.0}, nil, `parameter "dropout_rate" must be in [0, 1)`},
		{"BetaVAE", map[string]any{"beta_warmup_steps": -5}, nil, `parameter "beta_warmup_steps" must be >= 0`},
		{"CVAE", map[string]any{"num_classes": 0}, nil, `parameter "num_classes" must be >= 1`},
		{"VQVAE", map[string]any{"ema_decay": 1.5}, nil, `parameter "ema_decay" must be in [0, 1)`},
		{"VQVAE", map[string]any{"use_ema": "yes"}, nil, `parameter "use_ema" must be true or false`},
		{"VQVAE", map[string]any{"beta": 2.0}, nil, `unknown parameter "beta" for vae`},
		{"VAE", map[string]any{"gamma": 2.0}, nil, `known parameters: beta, data_format, decoder_type, dropout_rate, encoder_type, kl_weight, reconstruction_loss`},
		{"SuperVAE", nil, nil, `unknown vae class "SuperVAE"`},
	} {
		cfg := smallVAE(c.class, c.params)
		if c.input != nil {
			cfg.InputDim = c.input
		}
		_, err := CreateModel(cfg, nn.NewRngs(0))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v: error %v, want it to contain %q", c.class, c.params, err, c.want)
		}
	}
	err := Validate(smallVAE("vae.GigaVAE", nil))
	if err == nil || !strings.Contains(err.Error(), "vae classes: BetaVAE, CVAE, ConditionalVAE, VAE, VQVAE") {
		t.Errorf("Validate of an unknown class: %v", err)
	}
	cfg := smallVAE("VAE", nil)
	cfg.OutputDim = config.Dims{4, 4}
	if _, err := CreateModel(cfg, nn.NewRngs(0)); err == nil || !strings.Contains(err.Error(), "output_dim is the latent size") {
		t.Errorf("two-dimensional latent: %v", err)
	}
}

func TestVAEBuilderAcceptsCVAEAlias(t *testing.T) {
	a, err := CreateModel(smallVAE("CVAE", nil), nn.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	b, err := CreateModel(smallVAE("vae.ConditionalVAE", nil), nn.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	if reflect.TypeOf(a) != reflect.TypeOf(b) {
		t.Errorf("CVAE built %T, ConditionalVAE %T", a, b)
	}
	if a.Config().ModelClass != "CVAE" {
		t.Errorf("model_class rewritten to %q", a.Config().ModelClass)
	}
}
