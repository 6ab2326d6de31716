package train

import (
	"fmt"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/modality/tabular"
)

// MetadataModality is the metadata key that names the modality a
// configuration's model is adapted to (factory.WithModality) when Run
// builds it and when a checkpoint rebuilds it.
const MetadataModality = "modality"

// buildOptions returns the factory options a configuration asks for: the
// modality named in its metadata, if any.
func buildOptions(cfg config.ModelConfiguration) ([]factory.Option, error) {
	raw, ok := cfg.Metadata[MetadataModality]
	if !ok {
		return nil, nil
	}
	name, ok := raw.(string)
	if !ok || name == "" {
		return nil, fmt.Errorf("train: metadata.%s must name a modality, got %s", MetadataModality, config.Describe(raw))
	}
	return []factory.Option{factory.WithModality(name)}, nil
}

// loadDataset reads a split of a data set for the model of cfg: the
// tables of the tabular modality (tabular.Datasets) encoded as rows, the
// image sets through data.Load otherwise, an image folder (celeba) at the
// size of cfg's square image input.
func loadDataset(cfg config.ModelConfiguration, name, split, dir string) (*data.Dataset, error) {
	if tabular.IsDataset(name) {
		return tabular.LoadDataset(name, split, dir)
	}
	return data.Load(name, split, data.LoadOptions{Dir: dir, ImageSize: imageSide(cfg.InputDim)})
}

// imageSide returns the side of a square image input_dim [S, S, C], or 0
// (the data set's default size) for any other input.
func imageSide(in []int) int {
	if len(in) == 3 && in[0] == in[1] {
		return in[0]
	}
	return 0
}
