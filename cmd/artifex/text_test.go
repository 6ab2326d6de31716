package main

import (
	"github.com/artifex-go/artifex/internal/datatest"
	"math"
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
		datatest.Skip(t, err)
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
	for _, k := range []string{`"distinct_1"`, `"distinct_2"`, `"repetition_rate_2"`, `"real_distinct_2"`} {
		if !strings.Contains(stdout, k) {
			t.Errorf("evaluate of a language model lacks %s:\n%s", k, stdout)
		}
	}
	stdout, err = run(t, reg, "evaluate", "--checkpoint", out, "--data-dir", dataDir, "--metrics", "distinct", "--text-samples", "2", "--json")
	if err != nil || strings.Contains(stdout, "perplexity") || !strings.Contains(stdout, `"distinct_1"`) {
		t.Errorf("evaluate --metrics distinct: %v\n%s", err, stdout)
	}
	stdout, err = run(t, reg, "sample", "--checkpoint", out, "--prompt", "Copyright", "--max-tokens", "10")
	if err != nil || strings.Count(stdout, "--- sample") != 4 || strings.Count(stdout, "\nCopyright") != 4 {
		t.Errorf("sample: %v\n%s", err, stdout)
	}
	if _, err := run(t, reg, "sample", "--checkpoint", out, "--top-p", "0"); err == nil || !strings.Contains(err.Error(), "topP") {
		t.Errorf("top-p 0: err = %v", err)
	}
}

func TestDiversityOfWords(t *testing.T) {
	got, err := diversity([]string{"a b a b", "c  d\ne"}, "x_")
	if err != nil {
		t.Fatal(err)
	}
	// Words a b a b | c d e: 5 distinct of 7; bigrams ab ba ab | cd de: 4
	// distinct of 5; repeated bigrams 1/3 in the first text, 0/2 in the
	// second, mean 1/6.
	want := map[string]float64{"x_distinct_1": 5.0 / 7, "x_distinct_2": 4.0 / 5, "x_repetition_rate_2": 1.0 / 6}
	for k, v := range want {
		if math.Abs(got[k]-v) > 1e-12 {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}
