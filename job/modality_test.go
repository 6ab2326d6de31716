package job

import (
	"strings"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/factory"
)

func TestMetadataModalityBecomesABuildOption(t *testing.T) {
	opts, err := buildOptions(config.ModelConfiguration{Metadata: map[string]any{"modality": "tabular"}}, "/some/dir")
	if o := factory.ApplyOptions(opts...); err != nil || o.Modality != "tabular" || o.DataDir != "/some/dir" {
		t.Fatalf("options %+v, error %v; want modality tabular", factory.ApplyOptions(opts...), err)
	}
	if opts, err := buildOptions(config.ModelConfiguration{}, ""); err != nil || len(opts) != 0 {
		t.Errorf("no metadata gave %d options, %v", len(opts), err)
	}
	_, err = buildOptions(config.ModelConfiguration{Metadata: map[string]any{"modality": 3}}, "")
	if err == nil || !strings.Contains(err.Error(), "metadata.modality must name a modality") {
		t.Errorf("a number gave %v", err)
	}
}

func TestLoadDatasetNamesAnUnknownSet(t *testing.T) {
	if _, err := loadDataset(nil, "nonesuch", "train", ""); err == nil || !strings.Contains(err.Error(), "unknown data set") {
		t.Errorf("unknown data set gave %v", err)
	}
}
