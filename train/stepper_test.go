package train

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/checkpoint"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/internal/traintest"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

func ganSettings() Settings {
	s := DefaultSettings
	s.BatchSize, s.Seed, s.EMADecay = 16, 3, 0.9
	return s
}

func newGANTrainer(t *testing.T, s Settings, opts Options) (*Trainer, models.Model) {
	t.Helper()
	rngs := nn.NewRngs(s.Seed)
	m, err := factory.DefaultRegistry().CreateModel(traintest.GANConfig(), rngs)
	if err != nil {
		t.Fatal(err)
	}
	opts.Quiet = true
	tr, err := New(m, bars(), rngs, s, opts)
	if err != nil {
		t.Fatal(err)
	}
	return tr, m
}

func TestGANResumeGivesBitIdenticalParametersAndOptimizers(t *testing.T) {
	const n = 11 // not a whole number of epochs (8 steps each)
	s := ganSettings()

	s.Steps = 2 * n
	straightDir := t.TempDir()
	straight, straightModel := newGANTrainer(t, s, Options{OutDir: straightDir, LogEvery: 1, Samples: 4, Outputs: textOutputs{}})
	res, err := straight.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Samples == "" {
		t.Error("a GAN run drew no samples")
	}

	dir := t.TempDir()
	s.Steps = n
	first, _ := newGANTrainer(t, s, Options{OutDir: dir, LogEvery: 1, Samples: -1})
	if _, err := first.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	c, err := checkpoint.Read(filepath.Join(dir, CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"generator/step", "discriminator/step"} {
		if c.Optim.Scalars[name] != n {
			t.Errorf("checkpoint optimizer scalar %s = %v, want %d", name, c.Optim.Scalars[name], n)
		}
	}
	if c.EMA == nil {
		t.Error("checkpoint holds no generator average")
	}

	s.Steps = 2 * n
	second, resumedModel := newGANTrainer(t, s, Options{OutDir: dir, LogEvery: 1, Resume: true, Samples: -1})
	if _, err := second.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	traintest.SameState(t, nn.State(straightModel), nn.State(resumedModel))
	a, ae := straight.step.State()
	b, be := second.step.State()
	traintest.SameState(t, a.Tensors, b.Tensors)
	traintest.SameState(t, ae.Tensors, be.Tensors)

	want, _ := ReadMetrics(filepath.Join(straightDir, MetricsFile))
	got, _ := ReadMetrics(filepath.Join(dir, MetricsFile))
	if len(got) != len(want) {
		t.Fatalf("resumed log has %d records, straight %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Loss != want[i].Loss || got[i].Logs["g_loss"] != want[i].Logs["g_loss"] {
			t.Errorf("record %d: resumed %+v, straight %+v", i, got[i], want[i])
		}
	}
	if _, ok := want[0].Logs["g_loss"]; !ok {
		t.Errorf("a GAN's record lacks g_loss: %v", want[0].Logs)
	}
}

func TestGANRejectsOptimizerSettingsItWouldIgnore(t *testing.T) {
	s := ganSettings()
	s.LearningRate, s.GradClip = 1e-4, 5
	rngs := nn.NewRngs(0)
	m, err := factory.DefaultRegistry().CreateModel(traintest.GANConfig(), rngs)
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(m, bars(), rngs, s, Options{OutDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "learning_rate, grad_clip") || !strings.Contains(err.Error(), "generator_lr") {
		t.Errorf("err = %v, want the ignored settings named and generator_lr pointed to", err)
	}
}

// spoiling is a GAN whose parameters turn NaN after a number of steps, as
// a diverging run's do.
type spoiling struct {
	models.Stepper
	after, calls int
}

func (s *spoiling) TrainStep(b data.Batch, rngs *tensor.Rngs) (map[string]float64, error) {
	logs, err := s.Stepper.TrainStep(b, rngs)
	if s.calls++; s.calls > s.after {
		nn.Parameters(s.Stepper)[0].Tensor.Data()[0] = float32(math.NaN())
	}
	return logs, err
}

func TestGANWhoseParametersTurnNaNStopsAndKeepsTheLastGoodCheckpoint(t *testing.T) {
	s := ganSettings()
	s.Steps, s.EMADecay = 20, 0
	rngs := nn.NewRngs(0)
	m, err := factory.DefaultRegistry().CreateModel(traintest.GANConfig(), rngs)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tr, err := New(&spoiling{Stepper: m.(models.Stepper), after: 5}, bars(), rngs, s, Options{OutDir: dir, CheckpointEvery: 2, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := tr.Run(context.Background())
	if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), "last good checkpoint (step 4)") {
		t.Fatalf("err = %v, want ErrNonFinite naming the checkpoint of step 4", err)
	}
	if res.Steps != 5 || res.Samples != "" {
		t.Errorf("result %+v: want a stop after 5 good steps and no samples", res)
	}
	c, err := checkpoint.Read(filepath.Join(dir, CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Model {
		for _, v := range p.Tensor.Data() {
			if math.IsNaN(float64(v)) {
				t.Fatalf("kept checkpoint holds NaN in %s", p.Name)
			}
		}
	}
}
