package job

import (
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
	"github.com/artifex-go/artifex/train"
)

// Checkpointed is a model rebuilt from a training checkpoint.
type Checkpointed struct {
	Model      models.Model
	Checkpoint *checkpoint.Checkpoint
	// Config is the configuration the model was rebuilt from.
	Config config.ModelConfiguration
	// Settings are the training settings of the run.
	Settings train.Settings
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
			return "", fmt.Errorf("job: checkpoint %s does not exist", path)
		}
		return "", fmt.Errorf("job: %w", err)
	}
	if st.IsDir() {
		for _, name := range []string{train.CheckpointFile, WeightsFile} {
			file := filepath.Join(path, name)
			if _, err := os.Stat(file); err == nil {
				return file, nil
			}
		}
		return "", fmt.Errorf("job: %s holds no %s or %s (is it a training output directory or an exported one?)", path, train.CheckpointFile, WeightsFile)
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
		return nil, fmt.Errorf("job: %s: %w", file, err)
	}
	model, err := reg.CreateModel(cfg, nn.NewRngs(s.Seed), append(bopts, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("job: rebuilding the model of %s: %w", file, err)
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
			return nil, fmt.Errorf("job: %s holds no average of the weights, which model %q keeps (ema_decay) and samples with", file, cfg.Name)
		}
		if err := a.EMA().LoadState(*avg); err != nil {
			return nil, fmt.Errorf("job: %s: the model's weight average: %w", file, err)
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
			return nil, fmt.Errorf("job: %s: parameter average: %w", file, err)
		}
	}
	nn.SetTraining(model, false)
	return &Checkpointed{Model: model, Checkpoint: c, Config: cfg, Settings: s, Path: file}, nil
}

// CheckpointSetup returns the model configuration and the training
// settings stored in a checkpoint (a run's output directory or the file),
// from which a run can be resumed without naming them again.
func CheckpointSetup(path string) (config.ModelConfiguration, train.Settings, error) {
	file, err := ResolveCheckpoint(path)
	if err != nil {
		return config.ModelConfiguration{}, train.Settings{}, err
	}
	c, err := checkpoint.Read(file)
	if err != nil {
		return config.ModelConfiguration{}, train.Settings{}, err
	}
	return checkpointSetup(c, file)
}

func checkpointSetup(c *checkpoint.Checkpoint, file string) (config.ModelConfiguration, train.Settings, error) {
	var cfg config.ModelConfiguration
	if c.Config == nil {
		return cfg, train.Settings{}, fmt.Errorf("job: %s holds no model configuration", file)
	}
	if err := json.Unmarshal(c.Config, &cfg); err != nil {
		return cfg, train.Settings{}, fmt.Errorf("job: %s: stored configuration: %w", file, err)
	}
	s := train.DefaultSettings
	if raw, ok := c.Metadata["settings"]; ok {
		if err := json.Unmarshal([]byte(raw), &s); err != nil {
			return cfg, train.Settings{}, fmt.Errorf("job: %s: stored settings: %w", file, err)
		}
	}
	return cfg, s, nil
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
		return nil, fmt.Errorf("job: limit must be >= 0, got %d", limit)
	}
	test, err := LoadSplit(c, split, dataDir)
	if err != nil {
		return nil, err
	}
	if limit > 0 && limit < test.Len() {
		if test, _, err = test.Split(limit); err != nil {
			return nil, fmt.Errorf("job: %w", err)
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
	return fmt.Errorf("job: model %q (%s) has no evaluation metrics", c.Config.Name, c.Config.ModelClass)
}

// Evaluating runs evaluate with the checkpoint's training-mode layers
// switched off and no gradient recorded, and names the model in its error.
func Evaluating(c *Checkpointed, evaluate func() (map[string]float64, error)) (map[string]float64, error) {
	nn.SetTraining(c.Model, false)
	var metrics map[string]float64
	var err error
	tensor.NoGrad(func() { metrics, err = evaluate() })
	if err != nil {
		return nil, fmt.Errorf("job: evaluating %q: %w", c.Config.Name, err)
	}
	return metrics, nil
}
