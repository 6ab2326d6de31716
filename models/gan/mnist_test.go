package gan_test

import (
	"github.com/artifex-go/artifex/internal/datatest"
	"math"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/internal/fittest"
	"github.com/artifex-go/artifex/nn"
)

// meanAndInk returns the mean pixel value of images in [0, 1] and the
// fraction of pixels above 0.5 ("ink"), logged for the reader.
func meanAndInk(x []float32) (mean, ink float64) {
	for _, v := range x {
		mean += float64(v)
		if v > 0.5 {
			ink++
		}
	}
	return mean / float64(len(x)), ink / float64(len(x))
}

func TestDCGANLearnsMNISTStatisticsInAFewDozenSteps(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on MNIST")
	}
	train, err := data.Load("mnist", "train", data.LoadOptions{})
	if err != nil {
		datatest.Skipf(t, "MNIST not available: %v", err)
	}
	cfg := config.ModelConfiguration{
		Name: "tiny_mnist", ModelClass: "DCGAN", InputDim: config.Dims{16}, HiddenDims: []int{32, 16},
		OutputDim: config.Dims{28, 28, 1}, Parameters: map[string]any{"discriminator_features": []int{16, 32}},
	}
	m := build(t, cfg, 0)
	rngs := nn.NewRngs(1)
	it, err := data.NewIterator(train, data.BatchOptions{Size: 32, Shuffle: rngs.Stream("shuffle"), DropLast: true})
	if err != nil {
		t.Fatal(err)
	}
	realMean, realInk := meanAndInk(train.Images().Data()[:784*2000])
	gen0Mean, gen0Ink := meanAndInk(m.SampleImages(64, nn.NewRngs(5)).Data())
	const steps = 80
	first, last := fittest.FitStepper(t, m, it, rngs, steps)
	genMean, genInk := meanAndInk(m.SampleImages(64, nn.NewRngs(5)).Data())
	t.Logf("real mean %.3f ink %.3f; generated before mean %.3f ink %.3f, after %d steps mean %.3f ink %.3f", realMean, realInk, gen0Mean, gen0Ink, steps, genMean, genInk)
	t.Logf("first step %v; last step %v", first, last)
	// The discriminator learns to tell MNIST digits from the generator's
	// output: its loss falls well below 2·ln 2, the loss of a guess.
	if last["d_loss"] > math.Ln2 {
		t.Errorf("discriminator loss %.3f after %d steps, want < ln 2 (it started at %.3f)", last["d_loss"], steps, first["d_loss"])
	}
	// The generator follows: its images, mid-grey at first, darken towards
	// MNIST's mostly black background.
	if before, after := math.Abs(gen0Mean-realMean), math.Abs(genMean-realMean); after > 0.75*before {
		t.Errorf("generated mean pixel %.3f → %.3f did not approach the data's %.3f", gen0Mean, genMean, realMean)
	}
}

func TestWGANGPCriticEstimatesADistanceWithUnitGradients(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on MNIST")
	}
	train, err := data.Load("mnist", "train", data.LoadOptions{})
	if err != nil {
		datatest.Skipf(t, "MNIST not available: %v", err)
	}
	cfg := config.ModelConfiguration{
		Name: "tiny_wgan", ModelClass: "WGAN", InputDim: config.Dims{16}, HiddenDims: []int{32, 16},
		OutputDim: config.Dims{28, 28, 1}, Parameters: map[string]any{"discriminator_features": []int{16, 32}},
	}
	m := build(t, cfg, 0)
	rngs := nn.NewRngs(1)
	it, err := data.NewIterator(train, data.BatchOptions{Size: 32, Shuffle: rngs.Stream("shuffle"), DropLast: true})
	if err != nil {
		t.Fatal(err)
	}
	const steps = 50
	first, last := fittest.FitStepper(t, m, it, rngs, steps)
	t.Logf("first %v; last %v", first, last)
	// The critic's estimate of the Wasserstein distance, E[D(x)] - E[D(G(z))]
	// = -d_loss, grows from about 0 as it learns to tell real from fake;
	// the penalty, near 1 for the nearly flat critic of the N(0, 0.02²)
	// initialisation, falls as the penalty lifts its gradient norm towards 1.
	if w := -last["d_loss"]; w < 0.1 {
		t.Errorf("Wasserstein estimate %.3f after %d critic steps, want > 0.1 (first step: %.3f)", w, steps, -first["d_loss"])
	}
	if last["gp"] >= first["gp"] {
		t.Errorf("gradient penalty %.3f → %.3f over %d critic steps: the critic's gradient norm does not approach 1", first["gp"], last["gp"], steps)
	}
}
