package pretrained

import (
	"strings"
	"testing"

	"github.com/artifex-go/artifex/job"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/sampling"
)

func TestEveryPresetExtractsLoadsAndDrawsFiniteImages(t *testing.T) {
	if len(Names()) == 0 {
		t.Fatal("no pretrained presets embedded")
	}
	for _, name := range Names() {
		dir, err := Extract(name, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		c, err := job.LoadCheckpoint(dir, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c.Config.Name != name {
			t.Errorf("%s: the weights are of %q", name, c.Config.Name)
		}
		x, err := sampling.SampleImages(c.Model, 4, nn.NewRngs(1))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, v := range x.Data() {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("%s: pixel %v outside [0, 1]", name, v)
			}
		}
	}
	if _, err := Extract("gan_mnist_nope", t.TempDir()); err == nil || !strings.Contains(err.Error(), "presets with them: gan_mnist, vae_mnist") {
		t.Errorf("an unknown preset: %v", err)
	}
}
