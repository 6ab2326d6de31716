package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/factory"
)

const tinyLMYAML = `name: tiny_lm
model_class: artifex.generative_models.models.autoregressive.Transformer
input_dim: 257
hidden_dims: [16]
output_dim: 256
parameters: {max_seq_len: 16, num_layers: 1, num_heads: 2, dropout_rate: 0.0}
metadata:
  training_defaults: {dataset: fortunes, batch_size: 4, learning_rate: 0.003, epochs: 1}
`

func TestTrainEvaluateAndSampleATextModel(t *testing.T) {
	reg := factory.DefaultRegistry()
	if _, ok := reg.Builder("autoregressive"); !ok {
		t.Skip("the autoregressive family is not registered in this build")
	}
	// A fortune file made of the paragraphs of Go's licence.
	lic, err := os.ReadFile(filepath.Join(runtime.GOROOT(), "LICENSE"))
	if err != nil {
		t.Skip(err)
	}
	dataDir := t.TempDir()
	fortunes := strings.ReplaceAll(string(lic), "\n\n", "\n%\n")
	if err := os.WriteFile(filepath.Join(dataDir, "licence"), []byte(strings.Repeat(fortunes+"%\n", 40)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dataDir, "licence.dat"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := writeFile(t, "lm.yaml", tinyLMYAML)
	out := filepath.Join(t.TempDir(), "run")
	if _, err := run(t, reg, "train", "--config", cfg, "--steps", "3", "--data-dir", dataDir, "--out", out, "--quiet"); err != nil {
		t.Fatal(err)
	}
	stdout, err := run(t, reg, "evaluate", "--checkpoint", out, "--data-dir", dataDir, "--json")
	if err != nil || !strings.Contains(stdout, `"bits_per_byte"`) || !strings.Contains(stdout, `"perplexity"`) {
		t.Errorf("evaluate: %v\n%s", err, stdout)
	}
	stdout, err = run(t, reg, "sample", "--checkpoint", out, "--prompt", "Copyright", "--max-tokens", "10")
	if err != nil || strings.Count(stdout, "--- sample") != 4 || strings.Count(stdout, "\nCopyright") != 4 {
		t.Errorf("sample: %v\n%s", err, stdout)
	}
	if _, err := run(t, reg, "sample", "--checkpoint", out, "--top-p", "0"); err == nil || !strings.Contains(err.Error(), "topP") {
		t.Errorf("top-p 0: err = %v", err)
	}
}
