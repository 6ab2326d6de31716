package train

import (
	"fmt"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/factory"
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
