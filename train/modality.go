package train

import (
	"fmt"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/models"
)

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
		return nil, fmt.Errorf("train: metadata.%s must name a modality, got %s", MetadataModality, config.Describe(raw))
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
