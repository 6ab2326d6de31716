package job

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/internal/traintest"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/train"
)

// The resume tests of models that keep an average of their weights: the
// loop resumes them bit for bit, and LoadCheckpoint gives back the
// average to sample with.

func ganSettings() train.Settings {
	s := train.DefaultSettings
	s.BatchSize, s.Seed, s.EMADecay = 16, 3, 0.9
	return s
}

func newGANTrainer(t *testing.T, s train.Settings, opts train.Options) (*train.Trainer, models.Model) {
	t.Helper()
	rngs := nn.NewRngs(s.Seed)
	m, err := factory.DefaultRegistry().CreateModel(traintest.GANConfig(), rngs)
	if err != nil {
		t.Fatal(err)
	}
	opts.Quiet = true
	tr, err := train.New(m, traintest.Bars(128, 8), rngs, s, opts)
	if err != nil {
		t.Fatal(err)
	}
	return tr, m
}

// TestAGANReloadsWithTheAverageOfItsGenerator checks that a GAN trained
// with ema_decay is given back with the averaged parameters.
func TestAGANReloadsWithTheAverageOfItsGenerator(t *testing.T) {
	s := ganSettings()
	s.Steps = 5
	dir := t.TempDir()
	tr, _ := newGANTrainer(t, s, train.Options{OutDir: dir, Samples: -1})
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	rc, err := LoadCheckpoint(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Checkpoint.EMA == nil {
		t.Fatal("checkpoint holds no average")
	}
	avg := map[string][]float32{}
	for _, p := range rc.Checkpoint.EMA.Tensors {
		avg[p.Name] = p.Tensor.Data()
	}
	for _, p := range nn.Parameters(rc.Model) {
		if math.Float32bits(p.Tensor.Data()[0]) != math.Float32bits(avg[p.Name][0]) {
			t.Fatalf("reloaded %s holds the trained values, not the average", p.Name)
		}
	}
}

// tinyDDPM is a DDPM of 2-D points with an MLP backbone that keeps its own
// EMA weights.
func tinyDDPM() config.ModelConfiguration {
	return config.ModelConfiguration{
		Name: "tiny_ddpm", ModelClass: "diffusion.DDPM",
		InputDim: config.Dims{2}, HiddenDims: []int{16, 16},
		Parameters: map[string]any{"noise_steps": 20, "ema_decay": 0.9, "backbone": "mlp"},
	}
}

func TestDiffusionEMAIsCheckpointedResumedAndUsedAfterReload(t *testing.T) {
	points, err := data.Load(data.TwoMoons, "train", data.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	points, _, _ = points.Split(256)
	s := train.DefaultSettings
	s.Dataset, s.BatchSize, s.Seed = data.TwoMoons, 32, 4
	build := func(steps int, dir string, resume bool) (*train.Trainer, models.Model) {
		rngs := nn.NewRngs(s.Seed)
		m, err := factory.DefaultRegistry().CreateModel(tinyDDPM(), rngs)
		if err != nil {
			t.Fatal(err)
		}
		s.Steps = steps
		tr, err := train.New(m, points, rngs, s, train.Options{OutDir: dir, Resume: resume, Quiet: true, Samples: 50, Outputs: Outputs{}})
		if err != nil {
			t.Fatal(err)
		}
		return tr, m
	}
	straight, sm := build(14, t.TempDir(), false)
	if _, err := straight.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	first, _ := build(7, dir, false)
	if _, err := first.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	second, rm := build(14, dir, true)
	res, err := second.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Samples == "" {
		t.Error("a DDPM of points drew no scatter plot")
	}
	traintest.SameState(t, nn.State(sm), nn.State(rm))
	ema := func(m models.Model) []nn.Param { return m.(models.Averager).EMA().State().Tensors }
	traintest.SameState(t, ema(sm), ema(rm))

	c, err := LoadCheckpoint(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	traintest.SameState(t, nn.State(rm), nn.State(c.Model))
	traintest.SameState(t, ema(rm), ema(c.Model))
	if got := c.Model.(models.Averager).EMA().Updates(); got != 14 {
		t.Errorf("reloaded EMA has %d updates, want 14", got)
	}
	metrics, err := Evaluate(c, "", 300, nn.NewRngs(1))
	if err != nil || metrics["examples"] != 300 || !(metrics["loss"] > 0 && metrics["loss"] < 10) {
		t.Errorf("evaluate: %v, %v", metrics, err)
	}
	if got := c.Model.(models.Averager).EMA().Updates(); got != 14 {
		t.Errorf("evaluating changed the EMA: %d updates", got)
	}
	if _, err := train.New(c.Model, points, nn.NewRngs(0), func() train.Settings { s := s; s.EMADecay = 0.5; return s }(), train.Options{OutDir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), "its own average") {
		t.Errorf("a second average: err = %v", err)
	}
}
