package job

import (
	"context"
	"math"
	"path/filepath"
	"testing"

	"github.com/artifex-go/artifex/checkpoint"
	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/internal/traintest"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/sampling"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/train"
)

// trainedRun trains cfg for a few steps on bars and returns its output
// directory, its data directory and the checkpoint loaded back.
func trainedRun(t *testing.T, cfg config.ModelConfiguration, s train.Settings, reg *factory.Registry, build ...factory.Option) (string, string, *Checkpointed) {
	t.Helper()
	dataDir, out := t.TempDir(), t.TempDir()
	if err := traintest.WriteMNIST(dataDir, traintest.Bars(32, 8)); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), cfg, s, Options{Options: train.Options{OutDir: out, Quiet: true, Samples: -1}, DataDir: dataDir, Registry: reg, Build: build}); err != nil {
		t.Fatal(err)
	}
	c, err := LoadCheckpoint(out, reg, build...)
	if err != nil {
		t.Fatal(err)
	}
	return out, dataDir, c
}

// samples draws 6 images from c with the streams of seed 5.
func samples(t *testing.T, c *Checkpointed) []float32 {
	t.Helper()
	x, err := sampling.SampleImages(c.Model, 6, tensor.NewRngs(5))
	if err != nil {
		t.Fatal(err)
	}
	return x.Data()
}

// maxDiff returns the largest absolute difference of a and b, +Inf when
// their lengths differ.
func maxDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d := 0.0
	for i := range a {
		d = max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

func TestAnExportSamplesAsItsCheckpointExactlyInFloat32AndClosely16Bit(t *testing.T) {
	s := tinySettings(t)
	s.Steps, s.EMADecay = 6, 0.5
	reg := traintest.NewRegistry()
	_, _, c := trainedRun(t, traintest.Config(8, 8, "mnist"), s, reg)
	want := samples(t, c)
	for _, tc := range []struct {
		dtype checkpoint.DType
		tol   float64
	}{{checkpoint.F32, 0}, {checkpoint.F16, 0.02}, {checkpoint.BF16, 0.1}} {
		dir := filepath.Join(t.TempDir(), "export")
		if err := Export(c, dir, tc.dtype); err != nil {
			t.Fatal(err)
		}
		e, err := LoadCheckpoint(dir, reg)
		if err != nil {
			t.Fatal(err)
		}
		if e.Checkpoint.Weights != tc.dtype || e.Checkpoint.Metadata[AverageKey] != "train" || e.Checkpoint.Step != 6 {
			t.Fatalf("%s export read back as %q, average %q, step %d", tc.dtype, e.Checkpoint.Weights, e.Checkpoint.Metadata[AverageKey], e.Checkpoint.Step)
		}
		if d := maxDiff(samples(t, e), want); d > tc.tol {
			t.Errorf("%s export: samples differ from the checkpoint's by up to %g, want at most %g", tc.dtype, d, tc.tol)
		}
	}
}

func TestAnExportHoldsTheTrainingAverageNotTheTrainedWeights(t *testing.T) {
	s := tinySettings(t)
	s.Steps, s.EMADecay = 6, 0.5
	reg := traintest.NewRegistry()
	out, _, c := trainedRun(t, traintest.Config(8, 8, "mnist"), s, reg)
	dir := t.TempDir()
	if err := Export(c, dir, checkpoint.F32); err != nil {
		t.Fatal(err)
	}
	exported, err := checkpoint.ReadModel(filepath.Join(dir, WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := checkpoint.Read(filepath.Join(out, train.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	assertAverage(t, exported, raw.EMA.Tensors, raw.Model)
}

// assertAverage checks that every averaged tensor of the export equals
// the average and differs from the trained weights somewhere, so that the
// check can tell the two apart.
func assertAverage(t *testing.T, exported *checkpoint.Checkpoint, avg, trained []nn.Param) {
	t.Helper()
	got := map[string][]float32{}
	for _, p := range exported.Model {
		got[p.Name] = p.Tensor.Data()
	}
	rawOf := map[string][]float32{}
	for _, p := range trained {
		rawOf[p.Name] = p.Tensor.Data()
	}
	differs := false
	for _, p := range avg {
		name := p.Name
		if _, ok := got[name]; !ok {
			name = "model/" + name // the image modality's adapter wraps the family's model
		}
		if d := maxDiff(got[name], p.Tensor.Data()); d != 0 {
			t.Fatalf("exported %s differs from the average by %g", name, d)
		}
		differs = differs || maxDiff(rawOf[name], p.Tensor.Data()) != 0
	}
	if !differs {
		t.Fatal("the average equals the trained weights: the test cannot tell which was exported")
	}
}

func TestAnExportOfADiffusionModelHoldsItsOwnAverageAndSamplesAsTheCheckpoint(t *testing.T) {
	cfg := config.ModelConfiguration{
		Name: "user_ddpm", ModelClass: "DDPM", InputDim: config.Dims{8, 8, 1},
		Parameters: map[string]any{"noise_steps": 20, "ema_decay": 0.5},
	}
	s := tinySettings(t)
	s.Steps = 4
	net := &pixelScale{W: tensor.Ones(1, 8, 8).SetRequiresGrad(true)}
	out, _, c := trainedRun(t, cfg, s, nil, factory.WithBackbone(net))
	want := samples(t, c)
	dir := t.TempDir()
	if err := Export(c, dir, checkpoint.F32); err != nil {
		t.Fatal(err)
	}
	if d := maxDiff(samples(t, c), want); d != 0 {
		t.Fatalf("exporting changed the loaded model: its samples moved by %g", d)
	}
	fresh := &pixelScale{W: tensor.Ones(1, 8, 8).SetRequiresGrad(true)}
	e, err := LoadCheckpoint(dir, nil, factory.WithBackbone(fresh))
	if err != nil {
		t.Fatal(err)
	}
	if e.Checkpoint.Metadata[AverageKey] != "model" {
		t.Errorf("average %q, want model", e.Checkpoint.Metadata[AverageKey])
	}
	if d := maxDiff(samples(t, e), want); d != 0 {
		t.Errorf("the export's samples differ from the checkpoint's by up to %g", d)
	}
	raw, err := checkpoint.Read(filepath.Join(out, train.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	assertAverage(t, e.Checkpoint, raw.EMA.Tensors, raw.Model)
}

func TestExportConfigCarriesTheSettingsTheRunChanged(t *testing.T) {
	s := tinySettings(t)
	s.Steps, s.EMADecay, s.LearningRate = 6, 0.5, 0.003
	reg := traintest.NewRegistry()
	_, _, c := trainedRun(t, traintest.Config(8, 8, "mnist"), s, reg)
	cfg, err := ExportConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	back, err := train.SettingsFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if back != c.Settings {
		t.Errorf("settings from the exported configuration %+v, want the run's %+v", back, c.Settings)
	}
}
