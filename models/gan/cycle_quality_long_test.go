//go:build long

package gan_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/internal/cputime"
	"github.com/artifex-go/artifex/metrics"
	"github.com/artifex-go/artifex/modality/image"
	"github.com/artifex-go/artifex/models/gan"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/zoo"
)

// TestCycleGANMNISTQuality trains zoo cyclegan_mnist (MNIST ↔ colour-
// inverted MNIST, unpaired) on real MNIST for $ARTIFEX_CYCLEGAN_CPU_MINUTES
// minutes of CPU time over all cores (default 2), then on the first 1,000
// test digits reports how often the MNIST feature network still recognises
// the source digit in the translations (the A→B ones mapped back by 1 - x)
// and in the A→B→A reconstructions, and the cycle L1 errors, beside the
// same numbers for the untrained model. Training stops early when the
// test's -timeout draws near. It writes docs/cyclegan_mnist.png:
// rows of sources, A→B translations and their reconstructions, then rows of
// inverted digits, B→A translations and their reconstructions.
//
//	ARTIFEX_CYCLEGAN_CPU_MINUTES=10 nice -n 10 go test -tags long -run CycleGANMNISTQuality -v -timeout 2h ./models/gan/
func TestCycleGANMNISTQuality(t *testing.T) {
	minutes, train, test := qualitySetup(t, "ARTIFEX_CYCLEGAN_CPU_MINUTES", 2)
	test, _, err := test.Split(1000)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := zoo.GetConfig("cyclegan_mnist")
	if err != nil {
		t.Fatal(err)
	}
	m, err := zoo.CreateModel("cyclegan_mnist", nn.NewRngs(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	c := m.(*gan.CycleGAN)
	net, err := metrics.TrainedFeatureNet("mnist")
	if err != nil {
		t.Fatal(err)
	}
	judge := net.Classify
	measure := func(when string) map[string]float64 {
		q, err := c.ClassPreservation(test, judge)
		if err != nil {
			t.Fatal(err)
		}
		e, err := c.Evaluate(test, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range e {
			q[k] = v
		}
		t.Logf("%s, 1000 test digits: classifier right on sources %.3f, on A→B (mapped back by 1-x) %.3f, on B→A %.3f, on A→B→A %.3f; cycle L1 A→B→A %.4f, B→A→B %.4f; translation L1 A→B %.4f, B→A %.4f",
			when, q["source_accuracy"], q["class_preservation_ab"], q["class_preservation_ba"], q["class_preservation_cycle"],
			q["cycle_error"], q["cycle_error_bab"], q["translation_error_ab"], q["translation_error_ba"])
		return q
	}
	evalStart := time.Now()
	measure("untrained")
	// On a shared machine the CPU budget may take longer than the test may
	// run: training also stops while there is still time, at the rate the
	// first measurement went, for the second one and the grid.
	reserve := 2*time.Since(evalStart) + time.Minute
	deadline, hasDeadline := t.Deadline()

	batch := 16
	if td, ok := cfg.Metadata["training_defaults"].(map[string]any); ok {
		if v, ok := td["batch_size"].(int); ok {
			batch = v
		}
	}
	rngs := nn.NewRngs(1)
	it, err := data.NewIterator(train, data.BatchOptions{Size: batch, Shuffle: rngs.Stream("shuffle"), DropLast: true})
	if err != nil {
		t.Fatal(err)
	}
	budget := cputime.Budget{Wall: time.Duration(minutes * float64(time.Minute)), Cores: 1}
	budget.Start()
	start := time.Now()
	step := 0
	for !budget.Exhausted() {
		if hasDeadline && time.Until(deadline) < reserve {
			t.Logf("stopping at step %d, before the CPU budget is spent: %v left before the test's -timeout", step, time.Until(deadline).Round(time.Second))
			break
		}
		logs, err := c.TrainStep(nextBatch(it), rngs)
		if err != nil {
			t.Fatal(err)
		}
		step++
		if step%200 == 0 {
			t.Logf("step %d (%.1f CPU-min): %v", step, budget.Spent().Minutes(), logs)
		}
	}
	t.Logf("%d steps of batch %d (%.2f epochs) in %.1f CPU-minutes, %.1f wall minutes",
		step, batch, float64(step*batch)/float64(train.Len()), budget.Spent().Minutes(), time.Since(start).Minutes())
	q := measure("trained")

	src := tensor.Narrow(test.Images(), 0, 0, 12)
	inv, err := c.ToDomainB(src)
	if err != nil {
		t.Fatal(err)
	}
	var rows []*tensor.Tensor
	for _, r := range []struct {
		x   *tensor.Tensor
		toB bool
	}{{src, true}, {inv, false}} {
		there, err := c.Translate(r.x, r.toB)
		if err != nil {
			t.Fatal(err)
		}
		back, err := c.Translate(there, !r.toB)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r.x, there, back)
	}
	path := filepath.Join("..", "..", "docs", "cyclegan_mnist.png")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := image.SaveGrid(path, tensor.Concat(0, rows...), 12); err != nil {
		t.Fatal(err)
	}
	t.Logf("grid %s", path)
	if q["class_preservation_ab"] < 0.5 {
		t.Errorf("only %.3f of the A→B translations keep their digit", q["class_preservation_ab"])
	}
}
