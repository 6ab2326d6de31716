package train

import (
	"context"
	"errors"
	"github.com/artifex-go/artifex/internal/datatest"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/internal/traintest"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

func TestRunLoadsTheDataSetBuildsTrainsAndTheCheckpointReloads(t *testing.T) {
	dataDir, out := t.TempDir(), t.TempDir()
	if err := traintest.WriteMNIST(dataDir, traintest.Bars(96, 8)); err != nil {
		t.Fatal(err)
	}
	cfg := traintest.Config(8, 8, "mnist")
	s := tinySettings(t)
	s.Steps = 30
	reg := traintest.NewRegistry()
	res, err := Run(context.Background(), cfg, s, Options{OutDir: out, DataDir: dataDir, Registry: reg, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}

	c, err := LoadCheckpoint(out, reg)
	if err != nil {
		t.Fatal(err)
	}
	if c.Checkpoint.Step != res.Steps || c.Settings.Dataset != "mnist" || c.Settings.Binarization != "dynamic" || c.Config.Name != "tiny_vae" {
		t.Errorf("reloaded step %d settings %+v config %q", c.Checkpoint.Step, c.Settings, c.Config.Name)
	}
	metrics, err := Evaluate(c, dataDir, 40, nn.NewRngs(3))
	if err != nil {
		t.Fatal(err)
	}
	if metrics["images"] != 40 || !(metrics["nelbo"] > 0 && metrics["nelbo"] < 60) {
		t.Errorf("metrics %v", metrics)
	}
	images, err := SampleImages(c.Model, 9, nn.NewRngs(3))
	if err != nil {
		t.Fatal(err)
	}
	if got := images.Shape(); len(got) != 4 || got[0] != 9 || got[1] != 1 || got[2] != 8 || got[3] != 8 {
		t.Errorf("sample shape %v", got)
	}

	if _, err := LoadCheckpoint(t.TempDir(), reg); err == nil || !strings.Contains(err.Error(), CheckpointFile) {
		t.Errorf("loading an empty directory: %v", err)
	}
	s.Dataset = "cifar10"
	_, err = Run(context.Background(), cfg, s, Options{OutDir: t.TempDir(), DataDir: dataDir, Registry: reg, Quiet: true})
	if !errors.Is(err, data.ErrNotFound) {
		t.Errorf("missing data set: err = %v, want data.ErrNotFound", err)
	}
}

func TestParameterAverageIsUsedForSamplesAfterReload(t *testing.T) {
	dataDir, out := t.TempDir(), t.TempDir()
	if err := traintest.WriteMNIST(dataDir, traintest.Bars(32, 8)); err != nil {
		t.Fatal(err)
	}
	s := tinySettings(t)
	s.Steps, s.EMADecay = 6, 0.5
	reg := traintest.NewRegistry()
	if _, err := Run(context.Background(), traintest.Config(8, 8, "mnist"), s, Options{OutDir: out, DataDir: dataDir, Registry: reg, Quiet: true}); err != nil {
		t.Fatal(err)
	}
	c, err := LoadCheckpoint(out, reg)
	if err != nil {
		t.Fatal(err)
	}
	avg := map[string][]float32{}
	for _, p := range c.Checkpoint.EMA.Tensors {
		avg[p.Name] = p.Tensor.Data()
	}
	for _, p := range nn.Parameters(c.Model) {
		for i, v := range p.Tensor.Data() {
			if math.Float32bits(v) != math.Float32bits(avg[p.Name][i]) {
				t.Fatalf("%s holds the trained values, not the average", p.Name)
			}
		}
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

// pixelScale is a user's diffusion backbone given in code: one weight per
// pixel.
type pixelScale struct{ W *tensor.Tensor }

func (p *pixelScale) Forward(x, _ *tensor.Tensor) *tensor.Tensor { return tensor.Mul(x, p.W) }

func TestABackboneGivenInCodeTrainsSavesAndIsNeededToReload(t *testing.T) {
	dataDir, out := t.TempDir(), t.TempDir()
	if err := traintest.WriteMNIST(dataDir, traintest.Bars(64, 8)); err != nil {
		t.Fatal(err)
	}
	cfg := config.ModelConfiguration{
		Name: "user_ddpm", ModelClass: "DDPM", InputDim: config.Dims{8, 8, 1},
		Parameters: map[string]any{"noise_steps": 20, "ema_decay": 0.5},
	}
	s := tinySettings(t)
	s.Steps = 4
	net := &pixelScale{W: tensor.Ones(1, 8, 8).SetRequiresGrad(true)}
	before := slices.Clone(net.W.Data())
	if _, err := Run(context.Background(), cfg, s, Options{OutDir: out, DataDir: dataDir, Quiet: true, Build: []factory.Option{factory.WithBackbone(net)}}); err != nil {
		t.Fatal(err)
	}
	if slices.Equal(before, net.W.Data()) {
		t.Error("training did not change the backbone's weight")
	}
	if _, err := LoadCheckpoint(out, nil); err == nil || !strings.Contains(err.Error(), "backbone given in code (user:*train.pixelScale)") {
		t.Errorf("reloading without the backbone: %v", err)
	}
	fresh := &pixelScale{W: tensor.Ones(1, 8, 8).SetRequiresGrad(true)}
	c, err := LoadCheckpoint(out, nil, factory.WithBackbone(fresh))
	if err != nil {
		t.Fatal(err)
	}
	if c.Config.Parameters["backbone"] != "user:*train.pixelScale" || slices.Equal(fresh.W.Data(), before) {
		t.Errorf("reloaded backbone %v; its weight was not restored from the checkpoint", c.Config.Parameters["backbone"])
	}
}

func TestAResumedRunAppliesAChangedLearningRateAndSaysSo(t *testing.T) {
	dataDir, out := t.TempDir(), t.TempDir()
	if err := traintest.WriteMNIST(dataDir, traintest.Bars(64, 8)); err != nil {
		t.Fatal(err)
	}
	cfg := traintest.Config(8, 8, "mnist")
	s := tinySettings(t)
	s.Steps = 2
	reg := traintest.NewRegistry()
	if _, err := Run(context.Background(), cfg, s, Options{OutDir: out, DataDir: dataDir, Registry: reg, Quiet: true, LogEvery: 1}); err != nil {
		t.Fatal(err)
	}
	s.Steps, s.LearningRate = 4, 0.5
	var log strings.Builder
	if _, err := Run(context.Background(), cfg, s, Options{OutDir: out, DataDir: dataDir, Registry: reg, Resume: true, Progress: &log, LogEvery: 1}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "note: learning_rate changed from 0.01 to 0.5 for the resumed steps") {
		t.Errorf("the resumed run did not say the learning rate changed:\n%s", log.String())
	}
	records, err := ReadMetrics(filepath.Join(out, MetricsFile))
	if err != nil || len(records) != 4 || records[1].LR != 0.01 || records[3].LR != 0.5 {
		t.Fatalf("learning rates logged: %+v (%v), want 0.01 before the resume and 0.5 after", records, err)
	}
	_, saved, err := CheckpointSetup(out)
	if err != nil || saved.LearningRate != 0.5 {
		t.Errorf("the checkpoint records learning rate %g (%v), want 0.5", saved.LearningRate, err)
	}
}

func TestARunLogsTheHeldOutLossEachEpochATableAndSamplesAlongTheWay(t *testing.T) {
	dataDir, out := t.TempDir(), t.TempDir()
	if err := traintest.WriteMNIST(dataDir, traintest.Bars(64, 8)); err != nil {
		t.Fatal(err)
	}
	cfg := traintest.Config(8, 8, "mnist")
	s := tinySettings(t)
	s.Steps, s.Epochs = 0, 3
	if _, err := Run(context.Background(), cfg, s, Options{OutDir: out, DataDir: dataDir, Registry: traintest.NewRegistry(), Quiet: true, LogEvery: 1, SampleEvery: 5, Samples: 4}); err != nil {
		t.Fatal(err)
	}
	records, err := ReadMetrics(filepath.Join(out, MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	var val []Record
	for _, r := range records {
		if r.Validation {
			val = append(val, r)
		}
	}
	// Epochs 1 and 2 end inside the run (the third ends with it).
	if len(val) != 2 || !(val[0].ValLoss > 0) || val[0].Step == val[1].Step {
		t.Errorf("validation records %+v, want one at the end of each of the first two epochs", val)
	}
	table, err := os.ReadFile(filepath.Join(out, MetricsCSVFile))
	if err != nil || !strings.HasPrefix(string(table), "step,epoch,loss,val_loss,lr,seconds,images_per_sec") || strings.Count(string(table), "\n") != len(records)+1 {
		t.Errorf("metrics.csv: %v\n%s", err, table)
	}
	shots, _ := filepath.Glob(filepath.Join(out, "samples", "step_*.png"))
	if len(shots) == 0 {
		t.Error("--sample-every wrote no grids")
	}
}
