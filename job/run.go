package job

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/train"
)

// Options are a job's: how the loop runs (train.Options; Run gives it
// Outputs{} when its Outputs is nil) and where the model and the data
// come from.
type Options struct {
	train.Options
	// DataDir is searched first for data sets.
	DataDir string
	// Registry builds models; nil means factory.DefaultRegistry.
	Registry *factory.Registry
	// Build are factory options for building the model, such as
	// factory.WithBackbone; LoadCheckpoint needs the same ones.
	Build []factory.Option
}

// Run is the whole training job from a configuration: it builds the model
// with the factory from cfg and the seed of s, loads the training split of
// s.Dataset with opts.DataDir searched first, and trains (see
// train.Trainer.Run), with Outputs{} unless opts.Outputs is set.
func Run(ctx context.Context, cfg config.ModelConfiguration, s train.Settings, opts Options) (train.Result, error) {
	if err := s.Validate(); err != nil {
		return train.Result{}, err
	}
	if err := factory.RegisterDataSets(); err != nil {
		return train.Result{}, err
	}
	reg := opts.Registry
	if reg == nil {
		reg = factory.DefaultRegistry()
	}
	rngs := nn.NewRngs(s.Seed)
	bopts, err := buildOptions(cfg, opts.DataDir)
	if err != nil {
		return train.Result{}, err
	}
	model, err := reg.CreateModel(cfg, rngs, append(bopts, opts.Build...)...)
	if err != nil {
		return train.Result{}, err
	}
	say := opts.notices()
	start := time.Now()
	fmt.Fprintf(say, "reading data set %s ...", s.Dataset)
	ds, err := loadDataset(model, s.Dataset, "train", opts.DataDir)
	if err != nil {
		fmt.Fprintln(say)
		return train.Result{}, err
	}
	if opts.Validation == nil {
		// The held-out loss of each epoch, where the data set has a test
		// split (a missing or unusable one only means no validation).
		if val, err := loadDataset(model, s.Dataset, "test", opts.DataDir); err == nil {
			opts.Validation = val
		}
	}
	held := ""
	if opts.Validation != nil {
		held = fmt.Sprintf(", %d held out", opts.Validation.Len())
	}
	fmt.Fprintf(say, " %d training examples%s (%.1fs)\n", ds.Len(), held, time.Since(start).Seconds())
	if opts.Outputs == nil {
		opts.Outputs = Outputs{}
	}
	if opts.Unit.Name == "" {
		opts.Unit = unitOf(model)
	}
	if len(model.Config().Metadata) == 0 {
		// sample and evaluate find the data set in the checkpoint's
		// configuration, so the training defaults stay in it even when a
		// builder's effective configuration leaves the metadata out.
		opts.Metadata = cfg.Clone().Metadata
	}
	t, err := train.New(model, ds, rngs, s, opts.Options)
	if err != nil {
		return train.Result{}, err
	}
	return t.Run(ctx)
}

// notices is where Run says what it is doing: the loop's progress writer.
func (o Options) notices() io.Writer {
	switch {
	case o.Quiet || (o.Comm != nil && o.Comm.Rank() != 0):
		return io.Discard
	case o.Progress != nil:
		return o.Progress
	}
	return os.Stderr
}

// MetadataModality is the metadata key that names the modality a
// configuration's model is adapted to (factory.WithModality) when Run
// builds it and when a checkpoint rebuilds it.
const MetadataModality = "modality"

// buildOptions returns the factory options a configuration asks for: the
// modality named in its metadata, if any, with dataDir for a modality
// that reads its data set (factory.DataModality).
func buildOptions(cfg config.ModelConfiguration, dataDir string) ([]factory.Option, error) {
	raw, ok := cfg.Metadata[MetadataModality]
	if !ok {
		return nil, nil
	}
	name, ok := raw.(string)
	if !ok || name == "" {
		return nil, fmt.Errorf("job: metadata.%s must name a modality, got %s", MetadataModality, config.Describe(raw))
	}
	return []factory.Option{factory.WithModality(name), factory.WithDataDir(dataDir)}, nil
}

// loadFitter is a model that says how its data set must be cut: an
// audio model sets the sample rate and segment length it trains on.
type loadFitter interface {
	FitLoadOptions(data.LoadOptions) (data.LoadOptions, error)
}

// loadDataset reads a split of a data set through data.Load (tables and
// speech included: their modalities register them as sources), cut for
// model m: an image folder (celeba) at the size of m's square image input,
// anything else as m's FitLoadOptions asks.
func loadDataset(m models.Model, name, split, dir string) (*data.Dataset, error) {
	opts := data.LoadOptions{Dir: dir}
	if m != nil {
		opts.ImageSize = imageSide(m.Config())
		if f, ok := m.(loadFitter); ok {
			var err error
			if opts, err = f.FitLoadOptions(opts); err != nil {
				return nil, err
			}
		}
	}
	return data.Load(name, split, opts)
}

// imageSide returns the side of a square image input_dim ([S, S, C] or
// [C, S, S]), or 0 (the data set's default size) for any other input.
func imageSide(cfg config.ModelConfiguration) int {
	if len(cfg.InputDim) != 3 {
		return 0
	}
	if h, w, _, _, err := cfg.ImageShapeOf(cfg.InputDim); err == nil && h == w {
		return h
	}
	return 0
}
