package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/artifex-go/artifex/checkpoint"
	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

// Run is the whole training job from a configuration: it builds the model
// with the factory from cfg and the seed of s, loads the training split of
// s.Dataset with opts.DataDir searched first, and trains (see
// Trainer.Run).
func Run(ctx context.Context, cfg config.ModelConfiguration, s Settings, opts Options) (Result, error) {
	if err := s.Validate(); err != nil {
		return Result{}, err
	}
	if err := factory.RegisterDataSets(); err != nil {
		return Result{}, err
	}
	reg := opts.Registry
	if reg == nil {
		reg = factory.DefaultRegistry()
	}
	rngs := nn.NewRngs(s.Seed)
	bopts, err := buildOptions(cfg, opts.DataDir)
	if err != nil {
		return Result{}, err
	}
	model, err := reg.CreateModel(cfg, rngs, append(bopts, opts.Build...)...)
	if err != nil {
		return Result{}, err
	}
	ds, err := loadDataset(model, s.Dataset, "train", opts.DataDir)
	if err != nil {
		return Result{}, err
	}
	if opts.Validation == nil {
		// The held-out loss of each epoch, where the data set has a test
		// split (a missing or unusable one only means no validation).
		if val, err := loadDataset(model, s.Dataset, "test", opts.DataDir); err == nil {
			opts.Validation = val
		}
	}
	t, err := New(model, ds, rngs, s, opts)
	if err != nil {
		return Result{}, err
	}
	// sample and evaluate find the data set in the checkpoint's
	// configuration, so the training defaults stay in it even when a
	// builder's effective configuration leaves the metadata out.
	if len(t.cfg.Metadata) == 0 {
		t.cfg.Metadata = cfg.Clone().Metadata
	}
	return t.Run(ctx)
}

// Checkpointed is a model rebuilt from a training checkpoint.
type Checkpointed struct {
	Model      models.Model
	Checkpoint *checkpoint.Checkpoint
	// Config is the configuration the model was rebuilt from.
	Config config.ModelConfiguration
	// Settings are the training settings of the run.
	Settings Settings
	// Path is the checkpoint file.
	Path string
}

// ResolveCheckpoint returns the checkpoint file a user names: a run's
// output directory (CheckpointFile), a directory Export wrote
// (WeightsFile) or the file itself.
func ResolveCheckpoint(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("train: checkpoint %s does not exist", path)
		}
		return "", fmt.Errorf("train: %w", err)
	}
	if st.IsDir() {
		for _, name := range []string{CheckpointFile, WeightsFile} {
			file := filepath.Join(path, name)
			if _, err := os.Stat(file); err == nil {
				return file, nil
			}
		}
		return "", fmt.Errorf("train: %s holds no %s or %s (is it a training output directory or an exported one?)", path, CheckpointFile, WeightsFile)
	}
	return path, nil
}

// LoadCheckpoint rebuilds the model of a checkpoint (a run's output
// directory, a directory Export wrote, or the file) from the
// configuration stored in it and restores its parameters. When the run
// kept a parameter average, the model gets the averaged parameters, which
// are the ones to sample and evaluate; a model that keeps its own average
// (models.Averager, diffusion's EMA) gets that average restored and uses
// it itself. Exported weights are that average already: a model's own
// average starts from them.
// reg nil means factory.DefaultRegistry. opts are given to the factory
// too: a model trained with a backbone given in code (factory.WithBackbone)
// is rebuilt only with the same option.
func LoadCheckpoint(path string, reg *factory.Registry, opts ...factory.Option) (*Checkpointed, error) {
	return LoadCheckpointData(path, reg, "", opts...)
}

// LoadCheckpointData is LoadCheckpoint for a model whose modality reads
// its data set to build (a tabular model fits its column encoder on the
// table): dataDir is searched first for it, as by Run.
func LoadCheckpointData(path string, reg *factory.Registry, dataDir string, opts ...factory.Option) (*Checkpointed, error) {
	file, err := ResolveCheckpoint(path)
	if err != nil {
		return nil, err
	}
	c, err := checkpoint.ReadModel(file)
	if err != nil {
		return nil, err
	}
	cfg, s, err := checkpointSetup(c, file)
	if err != nil {
		return nil, err
	}
	if reg == nil {
		reg = factory.DefaultRegistry()
	}
	bopts, err := buildOptions(cfg, dataDir)
	if err != nil {
		return nil, fmt.Errorf("train: %s: %w", file, err)
	}
	model, err := reg.CreateModel(cfg, nn.NewRngs(s.Seed), append(bopts, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("train: rebuilding the model of %s: %w", file, err)
	}
	if err := c.RestoreModel(model); err != nil {
		return nil, err
	}
	if a, ok := model.(models.Averager); ok && a.EMA() != nil {
		// The model samples with its own average: restore it as it was,
		// or start it from exported weights, which are that average.
		avg := c.EMA
		switch {
		case c.Weights != "":
			avg = &optim.State{Scalars: map[string]float64{"step": 0}, Tensors: a.EMA().Params()}
		case avg == nil:
			return nil, fmt.Errorf("train: %s holds no average of the weights, which model %q keeps (ema_decay) and samples with", file, cfg.Name)
		}
		if err := a.EMA().LoadState(*avg); err != nil {
			return nil, fmt.Errorf("train: %s: the model's weight average: %w", file, err)
		}
	} else if c.EMA != nil {
		ema, err := optim.NewEMA(nn.Parameters(model), 0)
		if err == nil {
			err = ema.LoadState(*c.EMA)
		}
		if err == nil {
			err = ema.CopyTo(nn.Parameters(model))
		}
		if err != nil {
			return nil, fmt.Errorf("train: %s: parameter average: %w", file, err)
		}
	}
	nn.SetTraining(model, false)
	return &Checkpointed{Model: model, Checkpoint: c, Config: cfg, Settings: s, Path: file}, nil
}

// CheckpointSetup returns the model configuration and the training
// settings stored in a checkpoint (a run's output directory or the file),
// from which a run can be resumed without naming them again.
func CheckpointSetup(path string) (config.ModelConfiguration, Settings, error) {
	file, err := ResolveCheckpoint(path)
	if err != nil {
		return config.ModelConfiguration{}, Settings{}, err
	}
	c, err := checkpoint.Read(file)
	if err != nil {
		return config.ModelConfiguration{}, Settings{}, err
	}
	return checkpointSetup(c, file)
}

func checkpointSetup(c *checkpoint.Checkpoint, file string) (config.ModelConfiguration, Settings, error) {
	var cfg config.ModelConfiguration
	if c.Config == nil {
		return cfg, Settings{}, fmt.Errorf("train: %s holds no model configuration", file)
	}
	if err := json.Unmarshal(c.Config, &cfg); err != nil {
		return cfg, Settings{}, fmt.Errorf("train: %s: stored configuration: %w", file, err)
	}
	s := DefaultSettings
	if raw, ok := c.Metadata["settings"]; ok {
		if err := json.Unmarshal([]byte(raw), &s); err != nil {
			return cfg, Settings{}, fmt.Errorf("train: %s: stored settings: %w", file, err)
		}
	}
	return cfg, s, nil
}

// withAverage runs fn with the parameter average in the model's
// parameters, if there is one, and puts the trained parameters back.
func withAverage(model models.Model, ema *optim.EMA, fn func() error) error {
	if ema == nil {
		return fn()
	}
	return swapIn(nn.Parameters(model), ema, fn)
}

// swapIn runs fn with the average of ema in params and puts their values
// back.
func swapIn(params []nn.Param, ema *optim.EMA, fn func() error) error {
	if err := ema.Swap(params); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	ferr := fn()
	if err := ema.Swap(params); err != nil {
		return errors.Join(ferr, fmt.Errorf("train: %w", err))
	}
	return ferr
}

// SampleImages draws n images from a model that can, with training-mode
// layers switched off and no gradient recorded.
func SampleImages(m models.Model, n int, rngs *tensor.Rngs) (*tensor.Tensor, error) {
	s, ok := m.(models.ImageSampler)
	if _, points := PointModel(m); points {
		ok = false
	}
	if !ok {
		return nil, fmt.Errorf("train: model %q (%s) does not draw images", m.Config().Name, m.Config().ModelClass)
	}
	if n <= 0 {
		return nil, fmt.Errorf("train: number of samples must be > 0, got %d", n)
	}
	nn.SetTraining(m, false)
	var images *tensor.Tensor
	tensor.NoGrad(func() { images = s.SampleImages(n, rngs) })
	return images, nil
}

// Evaluate computes the model's test metrics on the test split of the
// data set it was trained on; limit > 0 uses only the first limit images.
func Evaluate(c *Checkpointed, dataDir string, limit int, rngs *tensor.Rngs) (map[string]float64, error) {
	return EvaluateSplit(c, "test", dataDir, limit, rngs)
}

// EvaluateSplit is Evaluate on another split of the data set ("train"),
// for a data set whose test split is too small or to compare the two.
func EvaluateSplit(c *Checkpointed, split, dataDir string, limit int, rngs *tensor.Rngs) (map[string]float64, error) {
	if _, ok := c.Model.(models.Evaluator); !ok {
		return nil, noMetrics(c)
	}
	if limit < 0 {
		return nil, fmt.Errorf("train: limit must be >= 0, got %d", limit)
	}
	test, err := LoadSplit(c, split, dataDir)
	if err != nil {
		return nil, err
	}
	if limit > 0 && limit < test.Len() {
		if test, _, err = test.Split(limit); err != nil {
			return nil, fmt.Errorf("train: %w", err)
		}
	}
	return EvaluateOn(c, test, rngs)
}

// LoadSplit reads a split of the data set the checkpoint's model was
// trained on, cut as the model needs it (image size, audio segments).
func LoadSplit(c *Checkpointed, split, dataDir string) (*data.Dataset, error) {
	return loadDataset(c.Model, c.Settings.Dataset, split, dataDir)
}

// EvaluateOn computes the model's family metrics (models.Evaluator) on
// ds, with training-mode layers switched off and no gradient recorded.
func EvaluateOn(c *Checkpointed, ds *data.Dataset, rngs *tensor.Rngs) (map[string]float64, error) {
	ev, ok := c.Model.(models.Evaluator)
	if !ok {
		return nil, noMetrics(c)
	}
	return Evaluating(c, func() (map[string]float64, error) { return ev.Evaluate(ds, rngs) })
}

func noMetrics(c *Checkpointed) error {
	return fmt.Errorf("train: model %q (%s) has no evaluation metrics", c.Config.Name, c.Config.ModelClass)
}

// Evaluating runs evaluate with the checkpoint's training-mode layers
// switched off and no gradient recorded, and names the model in its error.
func Evaluating(c *Checkpointed, evaluate func() (map[string]float64, error)) (map[string]float64, error) {
	nn.SetTraining(c.Model, false)
	var metrics map[string]float64
	var err error
	tensor.NoGrad(func() { metrics, err = evaluate() })
	if err != nil {
		return nil, fmt.Errorf("train: evaluating %q: %w", c.Config.Name, err)
	}
	return metrics, nil
}
