//go:build long

package vae_test

import (
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models/vae"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/zoo"
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// TestQualityVAEMNIST is a quality probe, not a check: it trains the zoo's
// vae_mnist on dynamically binarised MNIST with Adam and reports the test
// IWAE NLL. VAE_EPOCHS (default 1), VAE_K (importance samples, default
// 1000) and VAE_EVAL_N (test images, default all) tune it:
//
//	VAE_EPOCHS=3 go test -tags long -run QualityVAEMNIST -v -timeout 1h ./models/vae
func TestQualityVAEMNIST(t *testing.T) {
	epochs, k, evalN := envInt("VAE_EPOCHS", 1), envInt("VAE_K", 1000), envInt("VAE_EVAL_N", 0)
	train, err := data.Load("mnist", "train", data.LoadOptions{})
	if errors.Is(err, data.ErrNotFound) {
		t.Skipf("real MNIST is not installed: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	test, err := data.Load("mnist", "test", data.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := zoo.CreateModel("vae_mnist", nn.NewRngs(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	v := m.(*vae.VAE)
	rngs := nn.NewRngs(1)
	it, err := data.NewIterator(train, data.BatchOptions{Size: 128, Shuffle: rngs.Stream("shuffle"), Transform: data.DynamicBinarize(rngs.Stream("binarize"))})
	if err != nil {
		t.Fatal(err)
	}
	opt, err := optim.NewAdam(nn.Parameters(v), optim.AdamConfig{LR: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	for epoch := range epochs {
		start := time.Now()
		sum, n := 0.0, 0
		for b, ok := it.Next(); ok; b, ok = it.Next() {
			opt.ZeroGrad()
			loss, logs := v.TrainLoss(b, rngs)
			loss.Backward()
			opt.Step()
			sum += logs["loss"]
			n++
			if n%100 == 0 {
				t.Logf("epoch %d step %d: running loss %.2f", epoch+1, n, sum/float64(n))
			}
		}
		t.Logf("epoch %d: mean train loss (negative ELBO, 1 sample) %.2f nats, %v", epoch+1, sum/float64(n), time.Since(start).Round(time.Millisecond))
	}
	start := time.Now()
	r, err := v.EvaluateWith(test, vae.EvalOptions{Limit: evalN, ImportanceSamples: k}, tensor.NewRngs(2))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("test (%v images, k=%v): IWAE NLL %.2f nats, negative ELBO %.2f (reconstruction %.2f, KL %.2f), %v",
		r["examples"], r["importance_samples"], r["iwae_nll"], r["nelbo"], r["reconstruction"], r["kl"], time.Since(start).Round(time.Millisecond))
}
