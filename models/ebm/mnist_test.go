package ebm_test

import (
	"github.com/artifex-go/artifex/internal/datatest"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// TestEBMLearnsToPreferMNISTDigitsToNoise trains a small CNN EBM by
// persistent contrastive divergence on real MNIST for a few dozen steps:
// the energy gap between uniform noise and held-out digits, about zero at
// initialisation, must grow, and Evaluate must report it.
func TestEBMLearnsToPreferMNISTDigitsToNoise(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on MNIST")
	}
	train, err := data.Load("mnist", "train", data.LoadOptions{})
	if err != nil {
		datatest.Skipf(t, "MNIST not available: %v", err)
	}
	test, err := data.Load("mnist", "test", data.LoadOptions{})
	if err != nil {
		datatest.Skipf(t, "MNIST not available: %v", err)
	}
	held, _, err := test.Split(256)
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.ModelConfiguration{
		Name: "tiny_ebm_mnist", ModelClass: "EBM", InputDim: config.Dims{28, 28, 1}, HiddenDims: []int{8, 16},
		Parameters: map[string]any{"mcmc_steps": 10, "replay_buffer_size": 1000},
	}
	m := build(t, cfg, 0)
	rngs := nn.NewRngs(1)
	gap := func() float64 {
		metrics, err := m.Evaluate(held, tensor.NewRngs(3))
		if err != nil {
			t.Fatal(err)
		}
		return metrics["gap_noise"]
	}
	before := gap()
	it, err := data.NewIterator(train, data.BatchOptions{Size: 32, Shuffle: rngs.Stream("shuffle"), DropLast: true})
	if err != nil {
		t.Fatal(err)
	}
	opt := adam(t, m, 1e-3)
	for i := range 40 {
		b, _ := it.Next()
		logs := step(m, opt, b, rngs)
		if i%10 == 9 {
			t.Logf("step %d: %v", i+1, logs)
		}
	}
	after := gap()
	t.Logf("energy(noise) - energy(test digits): %.4f at initialisation, %.4f after 40 steps", before, after)
	if !(after > before+0.1 && after > 0.1) {
		t.Errorf("gap between noise and test digits went from %.4f to %.4f; want it to grow by > 0.1", before, after)
	}
}
