package train

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/artifex-go/artifex/checkpoint"
	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/internal/datatest"
	"github.com/artifex-go/artifex/internal/traintest"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// bars is the training set of most tests: 128 8×8 images, 8 batches of 16
// per epoch.
func bars() *data.Dataset { return traintest.Bars(128, 8) }

// tinySettings reads the tiny VAE's training defaults, as the CLI does.
func tinySettings(t *testing.T) Settings {
	t.Helper()
	s, err := SettingsFromConfig(traintest.Config(8, 8, "mnist"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// textOutputs are the Outputs of the trainer tests: they write what the
// loop gave them as text (job's tests check the pictures).
type textOutputs struct{}

func (textOutputs) Samples(m models.Model, n int, rngs *tensor.Rngs, dir, base string) (string, error) {
	is, ok := m.(models.ImageSampler)
	if !ok {
		return "", nil
	}
	x := is.SampleImages(n, rngs)
	grad := "with gradients"
	if !tensor.GradEnabled() {
		grad = "without gradients"
	}
	path := filepath.Join(dir, base+".txt")
	return path, os.WriteFile(path, []byte(fmt.Sprintf("%v %s", x.Shape(), grad)), 0o644)
}

func (textOutputs) Metrics(_ config.ModelConfiguration, records []Record, dir string) (string, error) {
	path := filepath.Join(dir, "loss.txt")
	return path, os.WriteFile(path, []byte(fmt.Sprintf("%d records", len(records))), 0o644)
}

// newTrainer builds the tiny VAE from its seed and a trainer for it.
func newTrainer(t *testing.T, train *data.Dataset, s Settings, opts Options) (*Trainer, models.Model) {
	t.Helper()
	rngs := nn.NewRngs(s.Seed)
	m, err := traintest.NewRegistry().CreateModel(traintest.Config(8, 8, "mnist"), rngs)
	if err != nil {
		t.Fatal(err)
	}
	opts.Quiet = true
	if opts.Outputs == nil {
		opts.Outputs = textOutputs{}
	}
	tr, err := New(m, train, rngs, s, opts)
	if err != nil {
		t.Fatal(err)
	}
	return tr, m
}

func TestTrainerLossFallsAndWritesMetricsCurveAndSamples(t *testing.T) {
	s := tinySettings(t)
	s.Steps = 80
	dir := t.TempDir()
	tr, _ := newTrainer(t, bars(), s, Options{OutDir: dir, LogEvery: 8, Samples: 16})
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Steps != 80 || res.Epoch != 10 {
		t.Errorf("result steps %d epoch %d, want 80 and 10", res.Steps, res.Epoch)
	}

	records, err := ReadMetrics(filepath.Join(dir, MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 10 {
		t.Fatalf("%d metrics records, want 10 (one per 8 steps)", len(records))
	}
	for i, r := range records {
		if r.Step != int64(8*(i+1)) || r.Epoch != i+1 || r.LR != 0.01 || r.Seconds <= 0 || r.ImagesPerSec <= 0 {
			t.Errorf("record %d: %+v", i, r)
		}
		for _, k := range []string{"reconstruction", "kl", "grad_norm"} {
			if _, ok := r.Logs[k]; !ok {
				t.Errorf("record %d has no %q in its logs %v", i, k, r.Logs)
			}
		}
	}
	first, last := records[0].Loss, records[len(records)-1].Loss
	t.Logf("negative ELBO per 8×8 image: %.2f → %.2f nats", first, last)
	if !(last < 0.75*first) {
		t.Errorf("loss did not fall: first record %.3f, last %.3f", first, last)
	}

	for path, want := range map[string]string{res.LossCurve: "10 records", res.Samples: "[16 1 8 8] without gradients"} {
		if got, err := os.ReadFile(path); err != nil || string(got) != want {
			t.Errorf("%s holds %q (%v), want %q", path, got, err, want)
		}
	}
	if res.LossCurve == "" || res.Samples == "" || res.Checkpoint == "" {
		t.Errorf("result misses an artefact: %+v", res)
	}
	cfg, err := config.Load(filepath.Join(dir, ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Parameters["likelihood"] != "bernoulli" {
		t.Errorf("config.yaml lacks the builder's default parameters: %v", cfg.Parameters)
	}
}

func TestCheckpointIsWrittenAtomicallyAndHoldsTheTrainingState(t *testing.T) {
	s := tinySettings(t)
	s.Steps = 12
	dir := t.TempDir()
	tr, m := newTrainer(t, bars(), s, Options{OutDir: dir, CheckpointEvery: 5})
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{CheckpointFile, ConfigFile, "loss.txt", MetricsCSVFile, MetricsFile, "samples.txt"}
	if !slices.Equal(names, want) {
		t.Errorf("output directory holds %v, want exactly %v (no temporary files left)", names, want)
	}
	c, err := checkpoint.Read(filepath.Join(dir, CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	if c.Step != 12 || c.Optim == nil || len(c.RNG) == 0 || c.Data["position"] == 0 || c.Config == nil {
		t.Errorf("checkpoint step %d optim %v rng streams %d data %v", c.Step, c.Optim != nil, len(c.RNG), c.Data)
	}
	for _, stream := range []string{"sample", "data/shuffle", "data/binarize"} {
		if _, ok := c.RNG[stream]; !ok {
			t.Errorf("checkpoint lacks random stream %q (has %v)", stream, c.RNG)
		}
	}
	for _, p := range nn.State(m) {
		var saved *tensor.Tensor
		for _, q := range c.Model {
			if q.Name == p.Name {
				saved = q.Tensor
			}
		}
		if saved == nil || !slices.Equal(saved.Data(), p.Tensor.Data()) {
			t.Errorf("checkpoint tensor %s differs from the model's", p.Name)
		}
	}

	// A second run into the same directory must not overwrite it.
	again, _ := newTrainer(t, bars(), s, Options{OutDir: dir})
	if _, err := again.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "--resume") {
		t.Errorf("training into a directory with a checkpoint: err = %v, want a hint to --resume", err)
	}
	fresh, _ := newTrainer(t, bars(), s, Options{OutDir: t.TempDir(), Resume: true})
	if _, err := fresh.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "nothing to resume") {
		t.Errorf("resuming without a checkpoint: err = %v", err)
	}
}

// resumeSettings exercise every piece of state a resume must restore:
// shuffling, dynamic binarisation, the model's sampling noise, Adam's
// moments, a warm-up schedule, gradient clipping and a parameter average.
func resumeSettings(t *testing.T) Settings {
	s := tinySettings(t)
	s.WarmupSteps = 5
	s.Schedule = "exponential"
	s.Gamma = 0.97
	s.GradClip = 50
	s.EMADecay = 0.9
	s.Seed = 7
	return s
}

func TestResumeGivesBitIdenticalParameters(t *testing.T) {
	const n = 13 // not a whole number of epochs (8 steps each)
	s := resumeSettings(t)

	s.Steps = 2 * n
	straightDir := t.TempDir()
	straight, straightModel := newTrainer(t, bars(), s, Options{OutDir: straightDir, LogEvery: 1})
	if _, err := straight.Run(context.Background()); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	s.Steps = n
	first, _ := newTrainer(t, bars(), s, Options{OutDir: dir, LogEvery: 1})
	if _, err := first.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Steps = 2 * n
	second, resumedModel := newTrainer(t, bars(), s, Options{OutDir: dir, LogEvery: 1, Resume: true})
	res, err := second.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Steps != 2*n {
		t.Fatalf("resumed run ended at step %d, want %d", res.Steps, 2*n)
	}
	traintest.SameState(t, nn.State(straightModel), nn.State(resumedModel))
	a, _ := straight.step.State()
	b, _ := second.step.State()
	traintest.SameState(t, a.Tensors, b.Tensors)

	// The metrics of the two halves join into the straight run's log.
	want, _ := ReadMetrics(filepath.Join(straightDir, MetricsFile))
	got, _ := ReadMetrics(filepath.Join(dir, MetricsFile))
	if len(got) != len(want) {
		t.Fatalf("resumed log has %d records, straight %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Step != want[i].Step || got[i].Loss != want[i].Loss || got[i].Epoch != want[i].Epoch {
			t.Errorf("record %d: resumed %+v, straight %+v", i, got[i], want[i])
		}
	}
}

func TestInterruptionSavesACheckpointThatResumes(t *testing.T) {
	s := tinySettings(t)
	s.Steps = 20
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr, _ := newTrainer(t, bars(), s, Options{OutDir: dir, OnStep: func(si StepInfo) {
		if si.Step == 7 {
			cancel() // what Ctrl-C does in the CLI
		}
	}})
	_, err := tr.Run(ctx)
	if !errors.Is(err, ErrInterrupted) || !strings.Contains(err.Error(), "--resume") {
		t.Fatalf("err = %v, want ErrInterrupted with a hint to --resume", err)
	}
	c, err := checkpoint.Read(filepath.Join(dir, CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	if c.Step != 7 {
		t.Errorf("checkpoint at step %d, want 7", c.Step)
	}
	resumed, _ := newTrainer(t, bars(), s, Options{OutDir: dir, Resume: true})
	res, err := resumed.Run(context.Background())
	if err != nil || res.Steps != 20 {
		t.Fatalf("resuming: steps %d, err %v", res.Steps, err)
	}
}

// A spent CPU budget ends the run as its last step would: no error, a
// checkpoint at the step reached, and a run that resumes to the end.
func TestBudgetEndsTheRunWithACheckpoint(t *testing.T) {
	s := tinySettings(t)
	s.Steps = 1_000_000
	dir := t.TempDir()
	tr, _ := newTrainer(t, bars(), s, Options{OutDir: dir, Budget: 20 * time.Millisecond})
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !res.BudgetSpent || res.Steps >= int64(s.Steps) || res.Checkpoint == "" {
		t.Fatalf("result %+v: want BudgetSpent, fewer than %d steps and a checkpoint", res, s.Steps)
	}
	c, err := checkpoint.Read(res.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	if c.Step != res.Steps {
		t.Errorf("checkpoint at step %d, run ended at %d", c.Step, res.Steps)
	}
	s.Steps = int(res.Steps) + 3
	resumed, _ := newTrainer(t, bars(), s, Options{OutDir: dir, Resume: true})
	if r, err := resumed.Run(context.Background()); err != nil || r.Steps != int64(s.Steps) || r.BudgetSpent {
		t.Fatalf("resuming without a budget: %+v, %v", r, err)
	}
}

func TestNonFiniteLossStopsAndKeepsTheLastGoodCheckpoint(t *testing.T) {
	s := tinySettings(t)
	// A learning rate that grows tenfold per step drives the model to
	// infinite values within a few dozen steps: a real divergence.
	s.Optimizer = "sgd"
	s.Schedule = "exponential"
	s.Gamma = 10
	s.LearningRate = 1e-3
	s.Steps = 200
	dir := t.TempDir()
	tr, _ := newTrainer(t, bars(), s, Options{OutDir: dir, CheckpointEvery: 2})
	res, err := tr.Run(context.Background())
	if !errors.Is(err, ErrNonFinite) {
		t.Fatalf("err = %v, want ErrNonFinite", err)
	}
	if !strings.Contains(err.Error(), "last good checkpoint") {
		t.Errorf("error does not say where the last good checkpoint is: %v", err)
	}
	t.Log(err)
	if res.Steps >= 200 || res.Samples != "" {
		t.Errorf("result %+v: training should stop early and draw no samples", res)
	}
	c, err := checkpoint.Read(filepath.Join(dir, CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	if c.Step > res.Steps || c.Step%2 != 0 {
		t.Errorf("checkpoint at step %d, failed after %d steps", c.Step, res.Steps)
	}
	for _, p := range c.Model {
		for _, v := range p.Tensor.Data() {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("kept checkpoint holds a non-finite %s", p.Name)
			}
		}
	}
	if _, err := ReadMetrics(filepath.Join(dir, MetricsFile)); err != nil {
		t.Errorf("metrics log of a diverged run: %v", err)
	}
}

func TestModelWithoutSingleLossNeedsItsOwnStep(t *testing.T) {
	rngs := nn.NewRngs(0)
	m, _ := traintest.NewRegistry().CreateModel(traintest.Config(8, 8, "mnist"), rngs)
	_, err := New(onlyConfig{m.Config()}, bars(), rngs, tinySettings(t), Options{OutDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "train.Step") {
		t.Errorf("err = %v, want a pointer to train.Step", err)
	}
}

// onlyConfig is a model with no training loss, as a GAN is to this loop.
type onlyConfig struct{ cfg config.ModelConfiguration }

func (o onlyConfig) Config() config.ModelConfiguration { return o.cfg }

func TestDataOfTheWrongShapeIsAClearError(t *testing.T) {
	rngs := nn.NewRngs(0)
	m, _ := traintest.NewRegistry().CreateModel(traintest.Config(8, 8, "mnist"), rngs)
	_, err := New(m, traintest.Bars(32, 6), rngs, tinySettings(t), Options{OutDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "[1 6 6]") {
		t.Errorf("err = %v, want the data set's image shape named", err)
	}
}

// TestTrainsOnRealMNIST trains the tiny VAE on real, dynamically binarised
// MNIST digits for a few dozen steps.
func TestTrainsOnRealMNIST(t *testing.T) {
	train, err := data.Load("mnist", "train", data.LoadOptions{})
	if errors.Is(err, data.ErrNotFound) {
		datatest.Skipf(t, "MNIST is not installed: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	idx := make([]int, 2048)
	for i := range idx {
		idx[i] = i
	}
	train, _ = train.Subset(idx)
	cfg := traintest.Config(28, 28, "mnist")
	s, err := SettingsFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.BatchSize, s.Steps, s.LearningRate = 64, 60, 3e-3
	rngs := nn.NewRngs(0)
	m, err := traintest.NewRegistry().CreateModel(cfg, rngs)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := New(m, train, rngs, s, Options{OutDir: t.TempDir(), Quiet: true, LogEvery: 10})
	if err != nil {
		t.Fatal(err)
	}
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	records, _ := ReadMetrics(res.Metrics)
	first, last := records[0].Loss, records[len(records)-1].Loss
	t.Logf("negative ELBO on binarised MNIST: %.1f → %.1f nats in %d steps (%.0f img/s)", first, last, res.Steps, records[len(records)-1].ImagesPerSec)
	if !(last < first-100) {
		t.Errorf("loss fell only from %.1f to %.1f", first, last)
	}
}

func TestTheProgressUnitIsTheOptionsOrAGuessFromTheData(t *testing.T) {
	if u := unitOf(Options{Unit: Unit{"clouds", 1}}, bars()); u != (Unit{"clouds", 1}) {
		t.Errorf("named unit: %+v", u)
	}
	if u := unitOf(Options{}, bars()); u != (Unit{"img", 1}) {
		t.Errorf("8×8 images: %+v, want img", u)
	}
}

func TestTheRunSaysTheCollectorsMemoryLimit(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(3 << 30))
	s := tinySettings(t)
	s.Steps = 1
	var log strings.Builder
	tr, _ := newTrainer(t, bars(), s, Options{OutDir: t.TempDir(), Samples: -1})
	tr.out = &log
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "memory: the collector's soft limit is 3.0 GiB\n") {
		t.Errorf("the run did not say the memory limit:\n%s", log.String())
	}
}
