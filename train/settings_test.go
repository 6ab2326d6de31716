package train

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/zoo"
)

func TestSettingsComeFromTheZooTrainingDefaults(t *testing.T) {
	cfg, err := zoo.GetConfig("vae_mnist")
	if err != nil {
		t.Fatal(err)
	}
	s, err := SettingsFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.Dataset != "mnist" || s.Binarization != "dynamic" || s.BatchSize != 128 || s.LearningRate != 1e-3 ||
		s.Optimizer != "adam" || s.Epochs != 50 || s.Range != [2]float64{0, 1} {
		t.Errorf("vae_mnist settings %+v", s)
	}
	// A GAN's optimizers come from its parameters: its training defaults
	// leave the trainer's optimizer settings alone.
	gan, _ := zoo.GetConfig("gan_mnist")
	if s, err = SettingsFromConfig(gan); err != nil || s.BatchSize != 128 || len(optimizerSettingsSet(s)) > 0 {
		t.Errorf("gan_mnist settings %+v (optimizer settings %v), err %v", s, optimizerSettingsSet(s), err)
	}
}

func TestEveryZooConfigHasUsableSettings(t *testing.T) {
	for _, name := range zoo.ListConfigs("") {
		cfg, err := zoo.GetConfig(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := SettingsFromConfig(cfg); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestBadTrainingDefaultsNameEveryBadKey(t *testing.T) {
	cfg := config.ModelConfiguration{Metadata: map[string]any{"training_defaults": map[string]any{
		"batch_size": "many", "optimizer": "adagrad", "learning_rate": -1, "range": []any{0, 255}, "max_length": 128,
	}}}
	_, err := SettingsFromConfig(cfg)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{`batch_size must be an integer, got string "many"`, "range must be [0, 1] or [-1, 1]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	cfg.Metadata["training_defaults"] = map[string]any{"optimizer": "adagrad", "learning_rate": -1, "max_length": 128}
	_, err = SettingsFromConfig(cfg)
	for _, want := range []string{`unknown optimizer "adagrad"; available: adam, adamw, sgd, rmsprop`, "learning_rate must be a positive number"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	cfg.Metadata["training_defaults"] = map[string]any{"range": []any{-1, 1}, "dequantize": true}
	s, err := SettingsFromConfig(cfg)
	if err != nil || s.Range != [2]float64{-1, 1} || !s.Dequantize {
		t.Errorf("settings %+v, err %v", s, err)
	}
	// A key nothing reads is an error naming the closest known one, so
	// that `config validate` refuses what `train` would not use.
	cfg.Metadata["training_defaults"] = map[string]any{"epoch": 3, "max_length": 128}
	_, err = SettingsFromConfig(cfg)
	for _, want := range []string{`unknown setting "epoch" (did you mean epochs?)`, `unknown setting "max_length"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

func TestTransformsFollowTheSettings(t *testing.T) {
	x := tensor.FromSlice([]float32{0, 0.2, 0.6, 1}, 1, 1, 2, 2)
	rngs := nn.NewRngs(1)
	s := DefaultSettings
	if s.Transform(rngs) != nil {
		t.Error("default settings transform the images")
	}
	s.Binarization = "static"
	s.Range = [2]float64{-1, 1}
	if got := s.Transform(rngs)(x).Data(); !slices.Equal(got, []float32{-1, -1, 1, 1}) {
		t.Errorf("static binarisation to [-1, 1]: %v", got)
	}
	s = DefaultSettings
	s.Dequantize = true
	for i, v := range s.Transform(rngs)(x).Data() {
		k := math.Round(float64(x.Data()[i]) * 255)
		if float64(v) < k/256 || float64(v) >= (k+1)/256 {
			t.Errorf("dequantised %v to %v, outside [%g, %g)", x.Data()[i], v, k/256, (k+1)/256)
		}
	}
}

func TestOptimizersAndSchedules(t *testing.T) {
	params := nn.Parameters(nn.NewLinear(nn.NewRngs(0), 2, 2))
	for _, name := range Optimizers {
		s := DefaultSettings
		s.Optimizer = name
		if _, err := NewOptimizer(params, s, 100); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	s := DefaultSettings
	s.Schedule, s.WarmupSteps, s.MinLR = "cosine", 10, 0
	opt, err := NewOptimizer(params, s, 110)
	if err != nil {
		t.Fatal(err)
	}
	sched := opt.(optim.Scheduled).Schedule
	for _, c := range []struct {
		step int
		lr   float64
	}{{0, 0}, {5, 5e-4}, {10, 1e-3}, {60, 5e-4}, {110, 0}} {
		if got := sched.LR(c.step); math.Abs(got-c.lr) > 1e-12 {
			t.Errorf("cosine with warm-up at step %d: %g, want %g", c.step, got, c.lr)
		}
	}
	s.Schedule, s.Gamma, s.DecaySteps = "step", 0.5, 20
	opt, _ = NewOptimizer(params, s, 110)
	if got := opt.(optim.Scheduled).Schedule.LR(10 + 45); got != 2.5e-4 {
		t.Errorf("step decay after warm-up: %g, want 2.5e-4", got)
	}
}

func TestZooTrainingOverridesReachTheTrainersSettings(t *testing.T) {
	base, err := zoo.GetConfig("vae_mnist")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := zoo.Overrides{"learning_rate": 1e-4, "batch_size": 32, "epochs": 3}.Apply(base)
	if err != nil {
		t.Fatal(err)
	}
	s, err := SettingsFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.LearningRate != 1e-4 || s.BatchSize != 32 || s.Epochs != 3 {
		t.Errorf("settings lr %g batch %d epochs %d, want 1e-4, 32, 3", s.LearningRate, s.BatchSize, s.Epochs)
	}
}

func TestEveryTrainingSettingIsReadBySettingsFromConfig(t *testing.T) {
	// config.TrainingSettings is what zoo overrides route to the trainer;
	// a key listed there that SettingsFromConfig skipped would vanish.
	for _, k := range config.TrainingSettings() {
		cfg := config.ModelConfiguration{Metadata: map[string]any{config.TrainingDefaultsKey: map[string]any{k: struct{}{}}}}
		_, err := SettingsFromConfig(cfg)
		if err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s: a value of the wrong type was not read and refused: %v", k, err)
		}
	}
}
