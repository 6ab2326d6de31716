package factory

import (
	"slices"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/models/ebm"
	"github.com/artifex-go/artifex/nn"
)

func TestEBMBuilderRecordsEveryDefaultAndKeepsUserParameters(t *testing.T) {
	cfg := config.ModelConfiguration{
		Name: "energy", ModelClass: "artifex.generative_models.models.energy.EBM",
		InputDim: config.Dims{28, 28, 1}, Parameters: map[string]any{"mcmc_steps": 7},
		Metadata: map[string]any{"training_defaults": map[string]any{"range": []any{-1, 1}}},
	}
	m, err := CreateModel(cfg, nn.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	got := m.Config()
	p := got.Parameters
	want := map[string]any{
		"mcmc_steps": 7, "sample_steps": 7, "energy_network": ebm.CNN, "step_size": 10.0, "noise_scale": 0.005,
		"gradient_clip": 0.01, "temperature": 1.0, "replay_buffer_size": 10000, "reinit_probability": 0.05,
		"energy_regularization": 1.0, "objective": ebm.ContrastiveDivergence, "dsm_sigma": 0.1, "sample_init": ebm.FromBuffer,
		"fourier_features": 0, "fourier_scale": 1.0,
	}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("effective parameter %s = %v, want %v", k, p[k], v)
		}
	}
	if r, ok := p["data_range"].([]any); !ok || len(r) != 2 || r[0] != -1 || r[1] != 1 {
		t.Errorf("data_range %v, want training_defaults.range [-1 1]", p["data_range"])
	}
	if !slices.Equal(got.HiddenDims, []int{32, 64, 128}) || got.Activation != "swish" || !slices.Equal([]int(got.OutputDim), []int{1}) {
		t.Errorf("architecture defaults: hidden %v, activation %q, output %v", got.HiddenDims, got.Activation, got.OutputDim)
	}
	if len(cfg.Parameters) != 1 {
		t.Errorf("the caller's parameters were changed: %v", cfg.Parameters)
	}
	o := m.(*ebm.EBM).Options()
	if o.Langevin.Steps != 7 || o.Langevin.Min != -1 || o.Langevin.Max != 1 || o.BufferSize != 10000 {
		t.Errorf("options %+v", o)
	}
	// A rebuilt model from the effective configuration is the same model.
	again, err := CreateModel(got, nn.NewRngs(0))
	if err != nil {
		t.Fatalf("rebuilding from the effective configuration: %v", err)
	}
	if !equalConfigs(again.Config(), got) {
		t.Errorf("rebuilt configuration %+v differs from %+v", again.Config(), got)
	}
}

func equalConfigs(a, b config.ModelConfiguration) bool {
	ja, _ := a.Encode(config.JSON)
	jb, _ := b.Encode(config.JSON)
	return string(ja) == string(jb)
}

func TestEBMBuilderAcceptsTheOriginalsParameterNames(t *testing.T) {
	cfg := config.ModelConfiguration{
		ModelClass: "EBM", InputDim: config.Dims{2},
		Parameters: map[string]any{"n_steps": 5, "capacity": 64, "reinit_prob": 0.2, "alpha": 0.5},
	}
	m, err := CreateModel(cfg, nn.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	o := m.(*ebm.EBM).Options()
	if o.Langevin.Steps != 5 || o.BufferSize != 64 || o.ReinitProb != 0.2 || o.Alpha != 0.5 || o.Network != ebm.MLP {
		t.Errorf("options %+v: want the aliases' values and an mlp", o)
	}
	cfg.Parameters = map[string]any{"n_steps": 5, "mcmc_steps": 6}
	if _, err := CreateModel(cfg, nn.NewRngs(0)); err == nil || !strings.Contains(err.Error(), `"n_steps" (5) and "mcmc_steps" (6) name the same setting`) {
		t.Errorf("conflicting alias: error %v", err)
	}
}

func TestEBMBuilderBuildsDeepEBM(t *testing.T) {
	m, err := CreateModel(config.ModelConfiguration{ModelClass: "DeepEBM", InputDim: config.Dims{8, 8, 3}, HiddenDims: []int{4, 8}}, nn.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	if n := m.(*ebm.EBM).Options().Network; n != ebm.Deep || m.Config().Parameters["energy_network"] != ebm.Deep {
		t.Errorf("DeepEBM network %q", n)
	}
}

func TestEBMBuilderRejectsBadParameters(t *testing.T) {
	for want, c := range map[string]config.ModelConfiguration{
		`parameter "mcmc_steps" must be >= 0, got -1`:                {InputDim: config.Dims{2}, Parameters: map[string]any{"mcmc_steps": -1}},
		`parameter "reinit_probability" must be in [0, 1], got 2`:    {InputDim: config.Dims{2}, Parameters: map[string]any{"reinit_probability": 2}},
		`parameter "step_size" must be a finite number >= 0`:         {InputDim: config.Dims{2}, Parameters: map[string]any{"step_size": -0.1}},
		`parameter "temperature" must be a finite number > 0`:        {InputDim: config.Dims{2}, Parameters: map[string]any{"temperature": 0}},
		`parameter "energy_network" must be one of mlp, cnn, deep`:   {InputDim: config.Dims{2}, Parameters: map[string]any{"energy_network": "rnn"}},
		`energy_network" cnn needs image input_dim [H, W, C]`:        {InputDim: config.Dims{2}, Parameters: map[string]any{"energy_network": "cnn"}},
		`parameter "objective" must be one of contrastive_divergen`:  {InputDim: config.Dims{2}, Parameters: map[string]any{"objective": "mle"}},
		`parameter "dsm_sigma" must be a finite number > 0`:          {InputDim: config.Dims{2}, Parameters: map[string]any{"dsm_sigma": 0}},
		`parameter "replay_buffer_size" must be >= 0`:                {InputDim: config.Dims{2}, Parameters: map[string]any{"replay_buffer_size": -5}},
		`parameter "data_range" must be a list of two numbers`:       {InputDim: config.Dims{2}, Parameters: map[string]any{"data_range": []any{0}}},
		`parameter "data_range" must be [low, high] with low < high`: {InputDim: config.Dims{2}, Parameters: map[string]any{"data_range": []any{1, 1}}},
		`parameter "sample_init" must be one of buffer, noise`:       {InputDim: config.Dims{2}, Parameters: map[string]any{"sample_init": "data"}},
		`parameter "energy_regularization" must be a finite number`:  {InputDim: config.Dims{2}, Parameters: map[string]any{"alpha": -1}},
		`unknown parameter "mcmc_step"`:                              {InputDim: config.Dims{2}, Parameters: map[string]any{"mcmc_step": 3}},
		`output_dim is the energy's size and must be 1`:              {InputDim: config.Dims{2}, OutputDim: config.Dims{3}},
		`parameter "fourier_features" must be >= 0`:                  {InputDim: config.Dims{2}, Parameters: map[string]any{"fourier_features": -1}},
		`parameter "fourier_scale" must be a finite number > 0`:      {InputDim: config.Dims{2}, Parameters: map[string]any{"fourier_scale": 0}},
		`"fourier_features" applies to energy_network mlp only`:      {InputDim: config.Dims{4, 4, 1}, Parameters: map[string]any{"fourier_features": 8}},
		`input_dim must be given`:                                    {},
		`hidden_dims[0] must be > 0, got 0`:                          {InputDim: config.Dims{2}, HiddenDims: []int{0}},
		`activation "swoosh" is not known`:                           {InputDim: config.Dims{2}, Activation: "swoosh"},
	} {
		c.ModelClass = "EBM"
		if _, err := CreateModel(c, nn.NewRngs(0)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%+v: error %v, want one containing %q", c, err, want)
		}
	}
	deep := config.ModelConfiguration{ModelClass: "DeepEBM", InputDim: config.Dims{8, 8, 1}, Parameters: map[string]any{"energy_network": "mlp"}}
	if _, err := CreateModel(deep, nn.NewRngs(0)); err == nil || !strings.Contains(err.Error(), `DeepEBM's energy_network is "deep"`) {
		t.Errorf("DeepEBM with an mlp: error %v", err)
	}
}
