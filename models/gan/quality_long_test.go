//go:build long

package gan_test

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/modality/image"
	"github.com/artifex-go/artifex/models/gan"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/zoo"
)

// digitClassifier is the probe's judge until the metrics issue lands the
// project's feature classifier: a 784-512-10 MLP trained for one epoch on MNIST.
type digitClassifier struct{ Hidden, Out *nn.Linear }

func (c *digitClassifier) logits(x *tensor.Tensor) *tensor.Tensor {
	return c.Out.Forward(tensor.ReLU(c.Hidden.Forward(tensor.Flatten(x))))
}

// qualitySetup reads the minutes of a quality run from the environment
// variable env (def when unset) and loads MNIST's splits, skipping the test
// when MNIST is not installed.
func qualitySetup(t *testing.T, env string, def float64) (minutes float64, train, test *data.Dataset) {
	minutes = def
	if s := os.Getenv(env); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v <= 0 {
			t.Fatalf("%s=%q: want a positive number of minutes", env, s)
		}
		minutes = v
	}
	train, err := data.Load("mnist", "train", data.LoadOptions{})
	if err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	if test, err = data.Load("mnist", "test", data.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	return minutes, train, test
}

// nextBatch returns the iterator's next batch, going on into the next
// epoch at the end of one.
func nextBatch(it *data.Iterator) data.Batch {
	b, ok := it.Next()
	if !ok {
		b, _ = it.Next()
	}
	return b
}

func trainClassifier(t *testing.T, train, test *data.Dataset) *digitClassifier {
	rngs := nn.NewRngs(11)
	c := &digitClassifier{Hidden: nn.NewLinear(rngs, 784, 512), Out: nn.NewLinear(rngs, 512, 10)}
	opt, err := optim.NewAdam(nn.Parameters(c), optim.AdamConfig{LR: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	it, err := data.NewIterator(train, data.BatchOptions{Size: 128, Shuffle: rngs.Stream("shuffle"), DropLast: true})
	if err != nil {
		t.Fatal(err)
	}
	for range it.BatchesPerEpoch() {
		b := nextBatch(it)
		opt.ZeroGrad()
		tensor.Mean(tensor.CrossEntropy(c.logits(b.Images), b.Labels)).Backward()
		opt.Step()
	}
	var pred []int
	tensor.NoGrad(func() { pred = tensor.Argmax(c.logits(test.Images()), 1) })
	right := 0
	for i, p := range pred {
		if p == test.Labels()[i] {
			right++
		}
	}
	t.Logf("judge: MNIST test accuracy %.4f", float64(right)/float64(len(pred)))
	return c
}

// TestGANMNISTQuality trains zoo gan_mnist on real MNIST for
// $ARTIFEX_GAN_MINUTES minutes (default 3), writes 64 samples to
// docs/gan_mnist.png and reports, on 1,000 samples, the fraction the judge
// classifies with confidence > 0.9, the entropy of its labels (ln 10 = 2.303
// when every digit is equally frequent) and how many digits appear.
//
//	go test -tags long -run '^TestGANMNISTQuality$' -v -timeout 1h ./models/gan/
func TestGANMNISTQuality(t *testing.T) {
	minutes, train, test := qualitySetup(t, "ARTIFEX_GAN_MINUTES", 3)
	m, err := zoo.CreateModel("gan_mnist", nn.NewRngs(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	g := m.(*gan.GAN)
	rngs := nn.NewRngs(1)
	it, err := data.NewIterator(train, data.BatchOptions{Size: 64, Shuffle: rngs.Stream("shuffle"), DropLast: true})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	step := 0
	for time.Since(start) < time.Duration(minutes*float64(time.Minute)) {
		b := nextBatch(it)
		logs, err := g.TrainStep(b, rngs)
		if err != nil {
			t.Fatal(err)
		}
		step++
		if step%100 == 0 {
			t.Logf("step %d (%.0fs): %v", step, time.Since(start).Seconds(), logs)
		}
	}
	t.Logf("%d steps of batch 64 (%.2f epochs) in %.1f minutes", step, float64(step*64)/float64(train.Len()), time.Since(start).Minutes())

	samples := g.SampleImages(1000, nn.NewRngs(2))
	path := filepath.Join("..", "..", "docs", "gan_mnist.png")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := image.SaveGrid(path, tensor.Narrow(samples, 0, 0, 64), 8); err != nil {
		t.Fatal(err)
	}

	judge := trainClassifier(t, train, test)
	var probs *tensor.Tensor
	tensor.NoGrad(func() { probs = tensor.Softmax(judge.logits(samples), 1) })
	counts := make([]int, 10)
	confident := 0
	for i, y := range tensor.Argmax(probs, 1) {
		counts[y]++
		if probs.At(i, y) > 0.9 {
			confident++
		}
	}
	entropy, present := 0.0, 0
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / 1000
			entropy -= p * math.Log(p)
			present++
		}
	}
	t.Logf("1000 samples: %.3f recognised with confidence > 0.9; label entropy %.3f (max %.3f); %d of 10 digits present; counts %v; grid %s",
		float64(confident)/1000, entropy, math.Log(10), present, counts, path)
}
