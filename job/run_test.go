package job

import (
	"context"
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/internal/traintest"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/sampling"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/train"
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
	res, err := Run(context.Background(), cfg, s, Options{Options: train.Options{OutDir: out, Quiet: true}, DataDir: dataDir, Registry: reg})
	if err != nil {
		t.Fatal(err)
	}

	for _, path := range []string{res.LossCurve, res.Samples} {
		if want := []string{filepath.Join(out, LossCurveFile), filepath.Join(out, SamplesFile)}; !slices.Contains(want, path) {
			t.Fatalf("picture %q, want one of %v", path, want)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if b := img.Bounds(); b.Dx() < 30 || b.Dy() < 30 {
			t.Errorf("%s is only %v", path, b)
		}
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
	images, err := sampling.SampleImages(c.Model, 9, nn.NewRngs(3))
	if err != nil {
		t.Fatal(err)
	}
	if got := images.Shape(); len(got) != 4 || got[0] != 9 || got[1] != 1 || got[2] != 8 || got[3] != 8 {
		t.Errorf("sample shape %v", got)
	}

	if _, err := LoadCheckpoint(t.TempDir(), reg); err == nil || !strings.Contains(err.Error(), train.CheckpointFile) {
		t.Errorf("loading an empty directory: %v", err)
	}
	s.Dataset = "cifar10"
	_, err = Run(context.Background(), cfg, s, Options{Options: train.Options{OutDir: t.TempDir(), Quiet: true}, DataDir: dataDir, Registry: reg})
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
	if _, err := Run(context.Background(), traintest.Config(8, 8, "mnist"), s, Options{Options: train.Options{OutDir: out, Quiet: true}, DataDir: dataDir, Registry: reg}); err != nil {
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
	if _, err := Run(context.Background(), cfg, s, Options{Options: train.Options{OutDir: out, Quiet: true}, DataDir: dataDir, Build: []factory.Option{factory.WithBackbone(net)}}); err != nil {
		t.Fatal(err)
	}
	if slices.Equal(before, net.W.Data()) {
		t.Error("training did not change the backbone's weight")
	}
	if _, err := LoadCheckpoint(out, nil); err == nil || !strings.Contains(err.Error(), "backbone given in code (user:*job.pixelScale)") {
		t.Errorf("reloading without the backbone: %v", err)
	}
	fresh := &pixelScale{W: tensor.Ones(1, 8, 8).SetRequiresGrad(true)}
	c, err := LoadCheckpoint(out, nil, factory.WithBackbone(fresh))
	if err != nil {
		t.Fatal(err)
	}
	if c.Config.Parameters["backbone"] != "user:*job.pixelScale" || slices.Equal(fresh.W.Data(), before) {
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
	if _, err := Run(context.Background(), cfg, s, Options{Options: train.Options{OutDir: out, Quiet: true, LogEvery: 1}, DataDir: dataDir, Registry: reg}); err != nil {
		t.Fatal(err)
	}
	s.Steps, s.LearningRate = 4, 0.5
	var log strings.Builder
	if _, err := Run(context.Background(), cfg, s, Options{Options: train.Options{OutDir: out, Resume: true, Progress: &log, LogEvery: 1}, DataDir: dataDir, Registry: reg}); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`reading data set mnist \.\.\. \d+ training examples, \d+ held out \(\d+\.\ds\)\n`).MatchString(log.String()) {
		t.Errorf("the run did not say what it read:\n%s", log.String())
	}
	if !strings.Contains(log.String(), "note: learning_rate changed from 0.01 to 0.5 for the resumed steps") {
		t.Errorf("the resumed run did not say the learning rate changed:\n%s", log.String())
	}
	records, err := train.ReadMetrics(filepath.Join(out, train.MetricsFile))
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
	if _, err := Run(context.Background(), cfg, s, Options{Options: train.Options{OutDir: out, Quiet: true, LogEvery: 1, SampleEvery: 5, Samples: 4}, DataDir: dataDir, Registry: traintest.NewRegistry()}); err != nil {
		t.Fatal(err)
	}
	records, err := train.ReadMetrics(filepath.Join(out, train.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	var val []train.Record
	for _, r := range records {
		if r.Validation {
			val = append(val, r)
		}
	}
	// Epochs 1 and 2 end inside the run (the third ends with it).
	if len(val) != 2 || !(val[0].ValLoss > 0) || val[0].Step == val[1].Step {
		t.Errorf("validation records %+v, want one at the end of each of the first two epochs", val)
	}
	table, err := os.ReadFile(filepath.Join(out, train.MetricsCSVFile))
	if err != nil || !strings.HasPrefix(string(table), "step,epoch,loss,val_loss,lr,seconds,images_per_sec") || strings.Count(string(table), "\n") != len(records)+1 {
		t.Errorf("metrics.csv: %v\n%s", err, table)
	}
	shots, _ := filepath.Glob(filepath.Join(out, "samples", "step_*.png"))
	if len(shots) == 0 {
		t.Error("--sample-every wrote no grids")
	}
}

func tinySettings(t *testing.T) train.Settings {
	t.Helper()
	s, err := train.SettingsFromConfig(traintest.Config(8, 8, "mnist"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
