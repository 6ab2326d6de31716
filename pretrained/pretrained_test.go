package pretrained

import (
	"slices"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/job"
	"github.com/artifex-go/artifex/metrics"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/sampling"
)

// TestEveryPresetExtractsLoadsAndDrawsDigits loads each embedded preset as
// sample --pretrained does and has the project's MNIST classifier judge
// what it draws: weights that draw noise or blanks would pass a shape
// check, not this one.
func TestEveryPresetExtractsLoadsAndDrawsDigits(t *testing.T) {
	if want := []string{"diffusion_mnist", "gan_mnist", "pixel_cnn_mnist", "vae_mnist"}; !slices.Equal(Names(), want) {
		t.Fatalf("embedded presets %v, want %v", Names(), want)
	}
	net, err := metrics.TrainedFeatureNet("mnist")
	if err != nil {
		t.Fatal(err)
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
		const n = 32
		x, err := sampling.SampleImages(c.Model, n, nn.NewRngs(1))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, v := range x.Data() {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("%s: pixel %v outside [0, 1]", name, v)
			}
		}
		_, probs, err := net.Activations(x)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := metrics.BalanceOfClasses(probs)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d classes present, %.2f of %d samples classified with p > 0.9", name, b.Present, b.Confident, n)
		if b.Present < 6 || b.Confident < 0.3 {
			t.Errorf("%s: of %d samples the MNIST classifier finds %d classes and is sure of %.2f; want digits (≥ 6 classes, ≥ 0.3 sure)", name, n, b.Present, b.Confident)
		}
	}
	if _, err := Extract("gan_mnist_nope", t.TempDir()); err == nil || !strings.Contains(err.Error(), "presets with them: diffusion_mnist, gan_mnist, pixel_cnn_mnist, vae_mnist") {
		t.Errorf("an unknown preset: %v", err)
	}
}
