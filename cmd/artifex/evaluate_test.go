package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/internal/traintest"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

const tiny28YAML = `name: tiny28
model_class: vae.TinyVAE
input_dim: [28, 28, 1]
hidden_dims: [16]
metadata:
  training_defaults:
    dataset: mnist
    batch_size: 16
    learning_rate: 0.01
    epochs: 1
`

func TestEvaluateWithFIDScoresDrawnImagesAgainstTheTestSplit(t *testing.T) {
	reg := traintest.NewRegistry()
	dataDir, out := t.TempDir(), filepath.Join(t.TempDir(), "run")
	if err := traintest.WriteMNIST(dataDir, traintest.Bars(64, 28)); err != nil {
		t.Fatal(err)
	}
	cfg := writeFile(t, "tiny28.yaml", tiny28YAML)
	if _, err := run(t, reg, "train", "--config", cfg, "--steps", "2", "--data-dir", dataDir, "--out", out, "--quiet"); err != nil {
		t.Fatal(err)
	}
	jsonFile := filepath.Join(t.TempDir(), "metrics.json")
	stdout, stderr, err := runOutputs(t, reg, "evaluate", "--checkpoint", out, "--data-dir", dataDir, "--samples", "40", "--out", jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	// One line says what the names mean; off a terminal no progress.
	if !strings.Contains(stderr, "the metrics ending in _mnist_classifier (fid, ") || strings.Contains(stderr, "drawn 40/40") || strings.Contains(stderr, "104/104") {
		t.Errorf("evaluate wrote on standard error:\n%s", stderr)
	}
	for _, k := range []string{"nelbo", "fid_mnist_classifier", "kid_mnist_classifier", "kid_std_mnist_classifier", "inception_score_mnist_classifier",
		"precision_mnist_classifier", "recall_mnist_classifier", "density_mnist_classifier", "coverage_mnist_classifier", "classes_present_mnist_classifier", "num_samples"} {
		if !strings.Contains(stdout, "\n"+k+" ") {
			t.Errorf("the table lacks %s:\n%s", k, stdout)
		}
	}
	b, err := os.ReadFile(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]float64
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	// Blurry samples of an untrained model are far from bars images.
	if m["fid_mnist_classifier"] <= 0 || m["num_samples"] != 40 || m["num_real"] != 64 || m["inception_score_mnist_classifier"] < 1 {
		t.Errorf("metrics %v", m)
	}
	if _, ok := m["fid"]; ok {
		t.Errorf("FID on the classifier's features is also under the bare name fid: %v", m)
	}

	stdout, err = run(t, reg, "evaluate", "--checkpoint", out, "--data-dir", dataDir, "--metrics", "fid,precision_recall", "--samples", "20", "--json")
	if err != nil {
		t.Fatal(err)
	}
	m = nil
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["fid_mnist_classifier"]; !ok {
		t.Errorf("--metrics fid gave %v", m)
	}
	for _, k := range []string{"nelbo", "kid_mnist_classifier", "inception_score_mnist_classifier"} {
		if _, ok := m[k]; ok {
			t.Errorf("--metrics fid,precision_recall also gave %s: %v", k, m)
		}
	}
	if _, ok := m["recall_mnist_classifier"]; !ok {
		t.Errorf("--metrics precision_recall gave %v", m)
	}
}

func TestEvaluateRejectsBadMetricRequests(t *testing.T) {
	reg := traintest.NewRegistry()
	dataDir, out := t.TempDir(), filepath.Join(t.TempDir(), "run")
	if err := traintest.WriteMNIST(dataDir, traintest.Bars(32, 8)); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, reg, "train", "--config", writeFile(t, "tiny.yaml", tinyYAML), "--steps", "1", "--data-dir", dataDir, "--out", out, "--quiet"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--metrics", "fid,bleu"}, `unknown metric "bleu"`},
		{[]string{"--fid", "--samples", "0"}, "--samples must be > 0"},
		// 8×8 images are not what the MNIST feature network reads.
		{[]string{"--fid", "--samples", "10"}, "feature network takes [N, 1, 28, 28] images"},
	} {
		args := append([]string{"evaluate", "--checkpoint", out, "--data-dir", dataDir}, c.args...)
		if _, err := run(t, reg, args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want one containing %q", c.args, err, c.want)
		}
	}
}

// samplerOnly is the tiny VAE without its Evaluate, standing for a model
// with no family metrics (a GAN).
type samplerOnly struct{ VAE *traintest.VAE }

func (m *samplerOnly) Config() config.ModelConfiguration { return m.VAE.Config() }
func (m *samplerOnly) TrainLoss(b data.Batch, rngs *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	return m.VAE.TrainLoss(b, rngs)
}
func (m *samplerOnly) SampleImages(n int, rngs *tensor.Rngs) *tensor.Tensor {
	return m.VAE.SampleImages(n, rngs)
}

func TestEvaluateOfAModelWithoutFamilyMetricsScoresItsSamples(t *testing.T) {
	reg := factory.NewRegistry()
	if err := reg.Register("vae", factory.BuilderFunc(func(cfg config.ModelConfiguration, rngs *nn.Rngs, opts ...factory.Option) (factory.Model, error) {
		m, err := traintest.Build(cfg, rngs, opts...)
		if err != nil {
			return nil, err
		}
		return &samplerOnly{m.(*traintest.VAE)}, nil
	})); err != nil {
		t.Fatal(err)
	}
	dataDir, out := t.TempDir(), filepath.Join(t.TempDir(), "run")
	if err := traintest.WriteMNIST(dataDir, traintest.Bars(32, 28)); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, reg, "train", "--config", writeFile(t, "tiny28.yaml", tiny28YAML), "--steps", "1", "--data-dir", dataDir, "--out", out, "--quiet"); err != nil {
		t.Fatal(err)
	}
	stdout, err := run(t, reg, "evaluate", "--checkpoint", out, "--data-dir", dataDir, "--samples", "20", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]float64
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatal(err)
	}
	if _, ok := m["fid_mnist_classifier"]; !ok || m["num_samples"] != 20 {
		t.Errorf("evaluate printed %v, want the sample-quality metrics of 20 images", m)
	}
	if _, err := run(t, reg, "evaluate", "--checkpoint", out, "--data-dir", dataDir, "--metrics", "nll"); err == nil || !strings.Contains(err.Error(), "has no evaluation metrics") {
		t.Errorf("--metrics nll without family metrics: error %v", err)
	}
}
