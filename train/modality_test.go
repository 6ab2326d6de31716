package train

import (
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/factory"
)

func TestMetadataModalityBecomesABuildOption(t *testing.T) {
	opts, err := buildOptions(config.ModelConfiguration{Metadata: map[string]any{"modality": "tabular"}})
	if err != nil || factory.ApplyOptions(opts...).Modality != "tabular" {
		t.Fatalf("options %+v, error %v; want modality tabular", factory.ApplyOptions(opts...), err)
	}
	if opts, err := buildOptions(config.ModelConfiguration{}); err != nil || len(opts) != 0 {
		t.Errorf("no metadata gave %d options, %v", len(opts), err)
	}
	_, err = buildOptions(config.ModelConfiguration{Metadata: map[string]any{"modality": 3}})
	if err == nil || !strings.Contains(err.Error(), "metadata.modality must name a modality") {
		t.Errorf("a number gave %v", err)
	}
}

func TestLoadDatasetSendsTablesToTheTabularModality(t *testing.T) {
	_, err := loadDataset(config.ModelConfiguration{}, "wine", "validation", "")
	if err == nil || !(strings.Contains(err.Error(), "unknown split") || strings.Contains(err.Error(), "python3-sklearn")) {
		t.Errorf("wine with a bad split gave %v", err)
	}
	if _, err := loadDataset(config.ModelConfiguration{}, "nonesuch", "train", ""); err == nil || !strings.Contains(err.Error(), "unknown data set") {
		t.Errorf("unknown data set gave %v", err)
	}
}
