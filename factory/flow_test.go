package factory

import (
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/models/flow"
	"github.com/artifex-go/artifex/nn"
)

func TestFlowBuilderKeepsUserParametersAndReportsDefaults(t *testing.T) {
	cfg := config.ModelConfiguration{
		Name: "moons", ModelClass: "artifex.generative_models.models.flow.NeuralSplineFlow",
		InputDim: config.Dims{2}, Parameters: map[string]any{"num_bins": 5},
	}
	m, err := CreateModel(cfg, nn.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	got := m.Config()
	if got.Parameters["num_bins"] != 5 || got.Parameters["tail_bound"] != 3.0 || got.Parameters["dequantize"] != false {
		t.Errorf("effective parameters %v: want the user's num_bins 5 and defaults tail_bound 3, dequantize false", got.Parameters)
	}
	if len(cfg.Parameters) != 1 {
		t.Errorf("the caller's parameters were changed: %v", cfg.Parameters)
	}
	if spec := m.(*flow.NormalizingFlow).Spec(); spec.NumBins != 5 || spec.NumLayers != 4 {
		t.Errorf("spec %+v, want 5 bins and 4 layers", spec)
	}
}

func TestFlowBuilderReadsImagesAsHWCAndRejectsBadParameters(t *testing.T) {
	cfg := config.ModelConfiguration{ModelClass: "RealNVP", InputDim: config.Dims{8, 8, 1}, HiddenDims: []int{4}}
	m, err := CreateModel(cfg, nn.NewRngs(0))
	if err != nil {
		t.Fatal(err)
	}
	if f := m.(*flow.NormalizingFlow); !f.Spec().Dequantize || f.Spec().LogitAlpha != 0.05 || len(f.EventShape()) != 3 || f.EventShape()[0] != 1 {
		t.Errorf("image RealNVP: spec %+v, event shape %v", f.Spec(), f.EventShape())
	}
	for params, want := range map[string]map[string]any{
		`unknown parameter "num_bin"`:           {"num_bin": 3},
		`parameter "num_layers" must be an int`: {"num_layers": "many"},
		`base_distribution must be normal`:      {"base_distribution": "cauchy"},
	} {
		cfg.Parameters = want
		if _, err := CreateModel(cfg, nn.NewRngs(0)); err == nil || !strings.Contains(err.Error(), params) {
			t.Errorf("parameters %v: error %v, want one containing %q", want, err, params)
		}
	}
	cfg.Parameters = map[string]any{"actnorm": true}
	m, err = CreateModel(cfg, nn.NewRngs(0))
	if err != nil || !m.(*flow.NormalizingFlow).Spec().ActNorm || m.Config().Parameters["actnorm"] != true {
		t.Errorf("RealNVP with actnorm: error %v", err)
	}
	cfg.ModelClass = "Glow"
	if _, err := CreateModel(cfg, nn.NewRngs(0)); err == nil || !strings.Contains(err.Error(), "actnorm is an option of image RealNVP") {
		t.Errorf("Glow with actnorm: error %v", err)
	}
	cfg.Parameters = map[string]any{"split_prior": true}
	if m, err := CreateModel(cfg, nn.NewRngs(0)); err != nil || !m.(*flow.NormalizingFlow).Spec().SplitPrior {
		t.Errorf("Glow with split_prior: error %v", err)
	}
	cfg.ModelClass, cfg.InputDim = "MAF", config.Dims{4}
	if _, err := CreateModel(cfg, nn.NewRngs(0)); err == nil || !strings.Contains(err.Error(), "split_prior is an option of the multi-scale image flows") {
		t.Errorf("MAF with split_prior: error %v", err)
	}
	cfg.ModelClass, cfg.InputDim = "Glow", config.Dims{8, 8, 1}
	cfg.Parameters = map[string]any{"num_scales": 4}
	if _, err := CreateModel(cfg, nn.NewRngs(0)); err == nil || !strings.Contains(err.Error(), "even height") {
		t.Errorf("Glow with too many levels for 8×8: error %v", err)
	}
}
