package job

import (
	"testing"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/train"
	"github.com/artifex-go/artifex/zoo"
)

func TestTheProgressBarCountsWhatTheModelDraws(t *testing.T) {
	for name, want := range map[string]train.Unit{
		"pointcloud_primitives": {Name: "clouds", PerExample: 1},
		"nsf_tabular":           {Name: "points", PerExample: 1},
		"vae_mnist":             {},
		"transformer_text":      {},
	} {
		m, err := zoo.CreateModel(name, nn.NewRngs(0), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := unitOf(m); got != want {
			t.Errorf("%s: unit %+v, want %+v", name, got, want)
		}
	}
}
