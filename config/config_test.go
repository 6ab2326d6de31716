package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const seedYAML = `name: my_model_config
model_class: artifex.generative_models.models.vae.VAE
type: model
description: My custom model configuration
version: 1.0.0

# Architecture
input_dim: [28, 28, 1]
hidden_dims: [256, 128]
output_dim: 64
activation: relu

parameters:
  encoder_type: mlp
  beta: 1.0
  warmup: 1000
  lr: 1.0e-4
  sizes: [64, 128]

metadata:
  training_defaults:
    batch_size: 128
    learning_rate: 0.001
    epochs: 100
  experiment_notes: "Initial configuration for testing"

tags:
  - vision
  - vae
`

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadReadsTheSeedZooFormat(t *testing.T) {
	cfg, err := Load(writeFile(t, "m.yaml", seedYAML))
	if err != nil {
		t.Fatal(err)
	}
	want := ModelConfiguration{
		Name:        "my_model_config",
		ModelClass:  "artifex.generative_models.models.vae.VAE",
		Type:        "model",
		Description: "My custom model configuration",
		Version:     "1.0.0",
		InputDim:    Dims{28, 28, 1},
		HiddenDims:  []int{256, 128},
		OutputDim:   Dims{64},
		Activation:  "relu",
		Parameters: map[string]any{
			"encoder_type": "mlp", "beta": 1.0, "warmup": 1000, "lr": 1e-4, "sizes": []any{64, 128},
		},
		Metadata: map[string]any{
			"training_defaults": map[string]any{"batch_size": 128, "learning_rate": 0.001, "epochs": 100},
			"experiment_notes":  "Initial configuration for testing",
		},
		Tags: []string{"vision", "vae"},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Fatalf("Load:\n got %#v\nwant %#v", cfg, want)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("seed configuration does not validate: %v", err)
	}
}

func TestSaveLoadRoundTripIsUnchangedInYAMLAndJSON(t *testing.T) {
	orig, err := Parse([]byte(seedYAML), "seed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	orig.Parameters["tiny"] = 1e-5
	orig.Parameters["whole_float"] = 64.0
	orig.Parameters["negative"] = -3
	orig.Parameters["flag"] = true
	orig.Parameters["nested"] = map[string]any{"a": []any{1.5, "x", 2}}
	for _, ext := range []string{".yaml", ".yml", ".json"} {
		path := filepath.Join(t.TempDir(), "cfg"+ext)
		if err := orig.Save(path); err != nil {
			t.Fatalf("Save %s: %v", ext, err)
		}
		back, err := Load(path)
		if err != nil {
			data, _ := os.ReadFile(path)
			t.Fatalf("Load %s: %v\n%s", ext, err, data)
		}
		if !reflect.DeepEqual(back, orig) {
			data, _ := os.ReadFile(path)
			t.Errorf("%s round trip changed the configuration:\n got %#v\nwant %#v\nfile:\n%s", ext, back, orig, data)
		}
	}
}

func TestDimsReadScalarOrListAndWriteSingleDimAsScalar(t *testing.T) {
	cfg, err := Parse([]byte("model_class: gan.DCGAN\ninput_dim: 100\noutput_dim: [32, 32, 3]\n"), "g.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg.InputDim, Dims{100}) || !reflect.DeepEqual(cfg.OutputDim, Dims{32, 32, 3}) {
		t.Fatalf("dims = %v, %v", cfg.InputDim, cfg.OutputDim)
	}
	out, err := cfg.Encode(YAML)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "input_dim: 100\n") {
		t.Errorf("single dim not written as a scalar:\n%s", out)
	}
	js, err := cfg.Encode(JSON)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `"input_dim": 100,`) || !strings.Contains(string(js), `"output_dim": [`) {
		t.Errorf("JSON dims:\n%s", js)
	}
	if (Dims{28, 28, 1}).Size() != 784 || (Dims{}).Size() != 0 {
		t.Errorf("Dims.Size wrong")
	}
}

func TestLoadRejectsUnknownTopLevelKeyWithFileAndLine(t *testing.T) {
	path := writeFile(t, "bad.yaml", "name: x\nmodel_class: vae.VAE\n\nhiden_dims: [1]\n")
	_, err := Load(path)
	if err == nil {
		t.Fatal("unknown key accepted")
	}
	for _, want := range []string{path + ":4:1:", `unknown key "hiden_dims"`, "did you mean hidden_dims?"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestLoadJSONRejectsUnknownKeyWithLine(t *testing.T) {
	path := writeFile(t, "bad.json", "{\n  \"name\": \"x\",\n  \"model_class\": \"vae.VAE\",\n  \"learning_rate\": 0.1\n}\n")
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), path+":4:") || !strings.Contains(err.Error(), `"learning_rate"`) {
		t.Fatalf("error = %v, want file:4 and the key", err)
	}
}

func TestLoadReportsBadDimsAndSyntaxErrorsWithLine(t *testing.T) {
	for _, c := range []struct{ name, body, want string }{
		{"dims.yaml", "model_class: vae.VAE\ninput_dim: [28, abc]\n", ":2:"},
		{"dims.json", "{\"model_class\": \"vae.VAE\",\n\"input_dim\": \"big\"}", ":2:"},
		{"syntax.yaml", "model_class: [vae\n", ":1:"},
		{"syntax.json", "{\"model_class\": \"vae.VAE\",\n\n}", ":3:"},
		{"trailing.json", "{\"model_class\": \"vae.VAE\"}\n{}", ":2:"},
		{"type.yaml", "model_class: vae.VAE\nhidden_dims: 12x\n", ":2:"},
	} {
		path := writeFile(t, c.name, c.body)
		_, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), path+c.want) {
			t.Errorf("%s: error = %v, want position %s", c.name, err, c.want)
		}
	}
}

func TestLoadRejectsUnsupportedExtensionAndMissingFile(t *testing.T) {
	if _, err := Load(writeFile(t, "c.toml", "")); err == nil || !strings.Contains(err.Error(), `".toml"`) {
		t.Errorf("toml: %v", err)
	}
	if _, err := Load(filepath.Join(t.TempDir(), "none.yaml")); err == nil || !strings.Contains(err.Error(), "none.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

func TestValidateRequiresModelClass(t *testing.T) {
	err := ModelConfiguration{Name: "x"}.Validate()
	if err == nil || err.Error() != "model_class must be specified in configuration" {
		t.Fatalf("error = %v", err)
	}
}

func TestValidateNamesFieldAndValueOfNonPositiveDims(t *testing.T) {
	cfg := ModelConfiguration{ModelClass: "vae.VAE", InputDim: Dims{28, 0}, HiddenDims: []int{512, -3}, OutputDim: Dims{-1}}
	err := cfg.Validate()
	if err == nil {
		t.Fatal("accepted non-positive dims")
	}
	for _, want := range []string{"input_dim[1] must be > 0, got 0", "hidden_dims[1] must be > 0, got -3", "output_dim must be > 0, got -1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestValidateKnowsActivations(t *testing.T) {
	for _, a := range append(Activations(), "") {
		if err := (ModelConfiguration{ModelClass: "vae.VAE", Activation: a}).Validate(); err != nil {
			t.Errorf("activation %q rejected: %v", a, err)
		}
	}
	err := ModelConfiguration{ModelClass: "vae.VAE", Activation: "rleu"}.Validate()
	if err == nil || !strings.Contains(err.Error(), `activation "rleu" is not known`) || !strings.Contains(err.Error(), "leaky_relu") {
		t.Fatalf("error = %v", err)
	}
}

func TestValidateRejectsModelParametersNestedInMetadata(t *testing.T) {
	for _, key := range []string{"vae_params", "gan_params", "model_params", "parameters"} {
		cfg := ModelConfiguration{ModelClass: "vae.VAE", Metadata: map[string]any{key: map[string]any{"beta": 1.0}}}
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), "'parameters'") {
			t.Errorf("metadata[%s]: error = %v, want one pointing to parameters", key, err)
		}
	}
	ok := ModelConfiguration{ModelClass: "vae.VAE", Metadata: map[string]any{"experiment_id": "exp_001", "num_params": 12}}
	if err := ok.Validate(); err != nil {
		t.Errorf("plain metadata rejected: %v", err)
	}
}

func TestValidateRejectsUnknownDocumentType(t *testing.T) {
	if err := (ModelConfiguration{ModelClass: "vae.VAE", Type: "dataset"}).Validate(); err == nil || !strings.Contains(err.Error(), `"dataset"`) {
		t.Fatalf("error = %v", err)
	}
}

func TestParameterSchemaRejectsUnknownParameterListingKnownOnes(t *testing.T) {
	s := ParameterSchema{Family: "vae", Known: []string{"kl_weight", "encoder_type", "beta"}}
	if err := s.Check(map[string]any{"beta": 2.0, "encoder_type": "cnn"}); err != nil {
		t.Fatalf("known parameters rejected: %v", err)
	}
	err := s.Check(map[string]any{"encoder_typ": "cnn"})
	want := `unknown parameter "encoder_typ" for vae (did you mean encoder_type?); known parameters: beta, encoder_type, kl_weight`
	if err == nil || err.Error() != want {
		t.Fatalf("error = %v\nwant %s", err, want)
	}
}

func TestCloneSharesNothing(t *testing.T) {
	orig := ModelConfiguration{HiddenDims: []int{1}, Parameters: map[string]any{"m": map[string]any{"a": 1}}}
	c := orig.Clone()
	c.HiddenDims[0] = 9
	c.Parameters["m"].(map[string]any)["a"] = 2
	if orig.HiddenDims[0] != 1 || orig.Parameters["m"].(map[string]any)["a"] != 1 {
		t.Fatal("Clone shares storage with the original")
	}
}

func TestValidateRefusesNamesThatLeaveTheRunsDirectory(t *testing.T) {
	for _, name := range []string{"../../ESCAPED", "a/b", `a\b`, "..", ".", "x\x00y"} {
		c := ModelConfiguration{Name: name, ModelClass: "VAE"}
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "must be one path element") {
			t.Errorf("name %q: %v", name, err)
		}
	}
	if err := (ModelConfiguration{Name: "my_vae-2.1", ModelClass: "VAE"}).Validate(); err != nil {
		t.Errorf("a plain name: %v", err)
	}
}
