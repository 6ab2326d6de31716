package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/artifex-go/artifex/internal/datatest"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/internal/traintest"
	"github.com/artifex-go/artifex/job"
	"github.com/artifex-go/artifex/train"
	"github.com/artifex-go/artifex/zoo"
)

// run executes the command line args in-process with reg and returns what
// it printed on standard output.
func run(t *testing.T, reg *factory.Registry, args ...string) (string, error) {
	t.Helper()
	stdout, _, err := runOutputs(t, reg, args...)
	return stdout, err
}

// runOutputs is run that also returns what the command printed on
// standard error (warnings).
func runOutputs(t *testing.T, reg *factory.Registry, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRoot(reg)
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	err = root.Execute()
	return out.String(), errOut.String(), err
}

func TestZooListShowsEveryConfigWithItsFamily(t *testing.T) {
	out, err := run(t, factory.NewRegistry(), "zoo", "list")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range zoo.ListConfigs("") {
		if !strings.Contains(out, name) {
			t.Errorf("zoo list lacks %s:\n%s", name, out)
		}
	}
	if !strings.Contains(out, "FAMILY") || !strings.Contains(out, "gan") {
		t.Errorf("zoo list has no family column:\n%s", out)
	}
	out, err = run(t, factory.NewRegistry(), "zoo", "list", "--category", "protein")
	if err != nil || strings.Contains(out, "vae_mnist") || !strings.Contains(out, "vae_protein") {
		t.Errorf("zoo list --category protein: err %v\n%s", err, out)
	}
	if _, err := run(t, factory.NewRegistry(), "zoo", "list", "--category", "nope"); err == nil || !strings.Contains(err.Error(), "vision") {
		t.Errorf("an unknown category: err = %v, want the known ones listed", err)
	}
}

func TestZooInfoPrintsTheConfigAndWhetherItBuilds(t *testing.T) {
	out, err := run(t, factory.NewRegistry(), "zoo", "info", "vae_mnist")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"model_class: artifex.generative_models.models.vae.VAE", "training_defaults:", "builds: no: the vae family is not built yet"} {
		if !strings.Contains(out, want) {
			t.Errorf("zoo info lacks %q:\n%s", want, out)
		}
	}
	if _, err := run(t, factory.NewRegistry(), "zoo", "info", "vae_mnst"); err == nil || !strings.Contains(err.Error(), "did you mean vae_mnist") {
		t.Errorf("a misspelt name: err = %v", err)
	}
	if _, err := run(t, factory.NewRegistry(), "zoo", "info"); err == nil {
		t.Error("zoo info without a name succeeded")
	}
}

// writeFile writes a file in a fresh directory and returns its path.
func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const tinyYAML = `name: tiny
model_class: vae.TinyVAE
input_dim: [8, 8, 1]
hidden_dims: [16]
metadata:
  training_defaults:
    dataset: mnist
    batch_size: 16
    learning_rate: 0.01
    binarization: dynamic
    epochs: 1
`

func TestConfigValidate(t *testing.T) {
	reg := traintest.NewRegistry()
	good := writeFile(t, "good.yaml", tinyYAML)
	out, err := run(t, reg, "config", "validate", good)
	if err != nil || !strings.Contains(out, "valid") {
		t.Errorf("a good file: %v\n%s", err, out)
	}
	for _, c := range []struct{ body, want string }{
		{"name: x\nmodel_class: vae.TinyVAE\nhiden_dims: [3]\n", "bad.yaml:3"},
		{"name: x\nmodel_class: vae.TinyVAE\ninput_dim: [8, 8, 1]\nhidden_dims: [16, -3]\n", "hidden_dims[1] must be > 0, got -3"},
		{"name: x\nmodel_class: vae.TinyVAE\nhidden_dims: [16\n", "bad.yaml:"},
		{"name: x\nmodel_class: gan.DCGAN\n", "No builder registered for type 'unknown'. Available types: vae"}, // this registry has no gan type
		{"name: x\nmodel_class: vae.TinyVAE\ninput_dim: [8, 8, 1]\nhidden_dims: [2000000000]\n", "over the limit"},
		{tinyYAML + "    epoch: 3\n", `unknown setting "epoch" (did you mean epochs?)`},
		{tinyYAML + "    optimizer: adagrad\n", `unknown optimizer "adagrad"`},
	} {
		_, err := run(t, reg, "config", "validate", writeFile(t, "bad.yaml", c.body))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("validating\n%s\nerr = %v, want it to contain %q", c.body, err, c.want)
		}
	}
	if _, err := run(t, reg, "config", "validate", filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("a missing file validated")
	}
}

func TestConfigShowPrintsTheDefaultsTheBuilderApplied(t *testing.T) {
	out, err := run(t, traintest.NewRegistry(), "config", "show", writeFile(t, "tiny.yaml", tinyYAML))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"likelihood: bernoulli", "output_dim: 4", "batch_size: 16"} {
		if !strings.Contains(out, want) {
			t.Errorf("config show lacks %q:\n%s", want, out)
		}
	}
}

func TestTrainSampleEvaluateAndResumeFromTheCommandLine(t *testing.T) {
	reg := traintest.NewRegistry()
	dataDir, out := t.TempDir(), filepath.Join(t.TempDir(), "run")
	if err := traintest.WriteMNIST(dataDir, traintest.Bars(64, 8)); err != nil {
		t.Fatal(err)
	}
	cfg := writeFile(t, "tiny.yaml", tinyYAML)
	stdout, err := run(t, reg, "train", "--config", cfg, "--steps", "3", "--data-dir", dataDir, "--out", out, "--quiet", "--seed", "5")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, "3 steps") || !strings.Contains(stdout, "samples.png") {
		t.Errorf("train printed:\n%s", stdout)
	}
	records, err := train.ReadMetrics(filepath.Join(out, train.MetricsFile))
	if err != nil || len(records) != 1 || records[0].Step != 3 {
		t.Errorf("metrics %+v, err %v", records, err)
	}

	// Resume from the directory alone: model and settings come from the checkpoint.
	if _, err := run(t, reg, "train", "--resume", "--out", out, "--steps", "5", "--data-dir", dataDir, "--quiet"); err != nil {
		t.Fatal(err)
	}
	// The training records of both runs, and the held-out loss at the end
	// of the first epoch (4 steps of this data set).
	records, _ = train.ReadMetrics(filepath.Join(out, train.MetricsFile))
	if len(records) != 3 || records[0].Step != 3 || !records[1].Validation || records[1].Step != 4 || records[2].Step != 5 {
		t.Errorf("after resuming: %+v", records)
	}
	if _, err := run(t, reg, "train", "--config", cfg, "--steps", "3", "--data-dir", dataDir, "--out", out, "--quiet"); err == nil || !strings.Contains(err.Error(), "--resume") {
		t.Errorf("training over a run: err = %v", err)
	}

	grid := filepath.Join(t.TempDir(), "s.png")
	if _, err := run(t, reg, "sample", "--checkpoint", out, "-n", "6", "--out", grid); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(grid)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("sample grid: %v", err)
	}

	stdout, err = run(t, reg, "evaluate", "--checkpoint", out, "--data-dir", dataDir, "--limit", "20", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var metrics map[string]float64
	if err := json.Unmarshal([]byte(stdout), &metrics); err != nil || metrics["images"] != 20 || metrics["nelbo"] <= 0 {
		t.Errorf("evaluate --json printed %q (%v)", stdout, err)
	}
	stdout, err = run(t, reg, "evaluate", "--checkpoint", out, "--data-dir", dataDir, "--limit", "20")
	if err != nil || !strings.Contains(stdout, "METRIC") || !strings.Contains(stdout, "nelbo") {
		t.Errorf("evaluate table: %v\n%s", err, stdout)
	}
}

func TestTrainRejectsBadUse(t *testing.T) {
	reg := traintest.NewRegistry()
	cfg := writeFile(t, "tiny.yaml", tinyYAML)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"train"}, "--zoo NAME"},
		{[]string{"train", "--zoo", "vae_mnist", "--config", cfg}, "not both"},
		{[]string{"train", "--resume"}, "--out"},
		{[]string{"train", "--zoo", "nope"}, "unknown config"},
		{[]string{"train", "--config", cfg, "--batch-size", "-4", "--out", t.TempDir()}, "--batch-size must be > 0, got -4"},
		{[]string{"train", "--config", cfg, "--steps", "x"}, "invalid argument"},
		// Flags mean what they say: zero or negative counts are refused,
		// not read as "the default".
		{[]string{"train", "--config", cfg, "--steps", "0", "--out", t.TempDir()}, "--steps must be > 0, got 0"},
		{[]string{"train", "--config", cfg, "--log-every", "0", "--out", t.TempDir()}, "--log-every must be > 0"},
		{[]string{"train", "--config", cfg, "--checkpoint-every", "-1", "--out", t.TempDir()}, "--checkpoint-every must be >= 0"},
		{[]string{"train", "--config", cfg, "--samples", "-2", "--out", t.TempDir()}, "--samples must be >= 0"},
		{[]string{"train", "--config", cfg, "--budget", "-1m", "--out", t.TempDir()}, "--budget must be >= 0"},
		{[]string{"train", "--config", cfg, "--data-dir", filepath.Join(t.TempDir(), "missing"), "--out", t.TempDir()}, "--data-dir"},
		{[]string{"train", "--config", cfg, "--set", "hiden_dims=[3]", "--out", t.TempDir()}, "did you mean hidden_dims?"},
		{[]string{"train", "--config", writeFile(t, "escape.yaml", strings.Replace(tinyYAML, "name: tiny", "name: ../../ESCAPED", 1))}, "must be one path element"},
		{[]string{"train", "--config", cfg, "--out", filepath.Join(writeFile(t, "a-file", "x"), "run")}, "output directory"},
		{[]string{"evaluate", "--checkpoint", t.TempDir(), "--out", filepath.Join(t.TempDir(), "no", "such", "m.json")}, "--out"},
		{[]string{"sample"}, "checkpoint"},
		{[]string{"sample", "--checkpoint", t.TempDir()}, "checkpoint.safetensors"},
		{[]string{"evaluate", "--checkpoint", filepath.Join(t.TempDir(), "none")}, "does not exist"},
	} {
		if _, err := run(t, reg, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want it to contain %q", c.args, err, c.want)
		}
	}
}

// TestTrainZooVAEOnRealMNIST is the README's main job, cut to three steps.
// It runs once the VAE family is registered and MNIST is installed.
func TestTrainZooVAEOnRealMNIST(t *testing.T) {
	reg := factory.DefaultRegistry()
	if _, ok := reg.Builder("vae"); !ok {
		t.Skip("the vae family is not registered in this build")
	}
	if _, err := data.Load("mnist", "test", data.LoadOptions{}); errors.Is(err, data.ErrNotFound) {
		datatest.Skip(t, "MNIST is not installed")
	}
	out := t.TempDir()
	if _, err := run(t, reg, "train", "--zoo", "vae_mnist", "--steps", "3", "--batch-size", "32", "--out", out, "--quiet"); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{train.CheckpointFile, train.MetricsFile, job.LossCurveFile} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestREADMEListsTheZoo keeps the README's zoo table in step with the zoo.
func TestREADMEListsTheZoo(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range zoo.ListConfigs("") {
		if !strings.Contains(string(readme), "`"+name+"`") {
			t.Errorf("README.md does not list the zoo configuration `%s`", name)
		}
	}
}

// gogc reads the collector's current GOGC without changing it.
func gogc() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

// The tuner sets GOGC from the live heap that each collection leaves:
// 25 for a heap of 64 MiB (the floor), 100 again once it is small.
func TestTuneGCFollowsTheLiveHeapAfterEachCollection(t *testing.T) {
	t.Setenv("GOGC", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	tuneGC()
	wait := func(want int) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); gogc() != want; {
			if time.Now().After(deadline) {
				t.Fatalf("GOGC %d, want %d", gogc(), want)
			}
			runtime.GC()
			time.Sleep(time.Millisecond)
		}
	}
	big := make([]byte, 64<<20)
	for i := range big {
		big[i] = 1
	}
	wait(25)
	runtime.KeepAlive(big)
	big = nil
	wait(100)
	if got := gcPercentFor(2 << 20); got != 100 {
		t.Errorf("GOGC for a 2 MiB heap: %d, want 100 (4 MiB of headroom, at most 100)", got)
	}
	if got := gcPercentFor(8 << 20); got != 50 {
		t.Errorf("GOGC for an 8 MiB heap: %d, want 50", got)
	}
}
