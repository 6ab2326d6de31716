package train

import (
	"fmt"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/modality/audio"
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

// loadDataset reads a split of a data set for model m: the speech of the
// audio modality cut to m's sample rate and segment length, every other
// set through data.Load (tables included: the tabular modality registers
// them as sources), an image folder (celeba) at the size of m's square
// image input.
func loadDataset(m models.Model, name, split, dir string) (*data.Dataset, error) {
	if audio.IsDataset(name) {
		return audio.LoadDataset(m, name, split, dir)
	}
	var side int
	if m != nil {
		side = imageSide(m.Config().InputDim)
	}
	return data.Load(name, split, data.LoadOptions{Dir: dir, ImageSize: side})
}

// imageSide returns the side of a square image input_dim [S, S, C], or 0
// (the data set's default size) for any other input.
func imageSide(in []int) int {
	if len(in) == 3 && in[0] == in[1] {
		return in[0]
	}
	return 0
}
