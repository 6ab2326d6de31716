//go:build long

package flow_test

import (
	"os"
	"testing"
	"time"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/internal/cputime"
	"github.com/artifex-go/artifex/modality/image"
	"github.com/artifex-go/artifex/models/flow"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/zoo"
)

// TestRealNVPMNISTBitsPerDim is the quality probe of flow_mnist_realnvp:
// it trains on dequantised real MNIST (Adam 1e-3, batch 64) for a wall-clock
// budget ($FLOW_BUDGET, a Go duration, default 30m, the DESIGN.md budget,
// counted as CPU time: 30m allows 60 CPU-minutes, what 2 cores give in 30 minutes)
// and logs the test bits/dim on the first 1,000 test images at intervals,
// then on the whole test set. The target is ≤ 1.5 bits/dim.
//
//	go test -tags long -run RealNVPMNIST -v -timeout 0 ./models/flow
func TestRealNVPMNISTBitsPerDim(t *testing.T) {
	budget := 30 * time.Minute
	if s := os.Getenv("FLOW_BUDGET"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("FLOW_BUDGET: %v", err)
		}
		budget = d
	}
	train, err := data.Load("mnist", "train", data.LoadOptions{})
	if err != nil {
		t.Skip(err)
	}
	test, err := data.Load("mnist", "test", data.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	probe, _, _ := test.Split(1000)
	rngs := nn.NewRngs(0)
	m, err := zoo.CreateModel("flow_mnist_realnvp", rngs, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := m.(*flow.NormalizingFlow)
	opt, err := optim.NewAdam(nn.Parameters(f), optim.AdamConfig{LR: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	it, err := data.NewIterator(train, data.BatchOptions{Size: 64, Shuffle: rngs.Stream("shuffle"), DropLast: true})
	if err != nil {
		t.Fatal(err)
	}
	// The budget is CPU time, budget × 2 cores, so that other jobs on the
	// machine slow the run down without shortening it.
	cpu := cputime.Budget{Wall: budget, Cores: 2}
	cpu.Start()
	start, next := time.Now(), time.Duration(0)
	evalRngs := tensor.NewRngs(1)
	for step := 1; !cpu.Exhausted(); step++ {
		b, ok := it.Next()
		if !ok {
			b, _ = it.Next()
		}
		opt.ZeroGrad()
		loss, logs := f.TrainLoss(b, rngs)
		loss.Backward()
		optim.ClipGradNorm(opt.Params(), 100)
		opt.Step()
		if el := cpu.Spent() / 2; el >= next {
			ev, err := f.Evaluate(probe, evalRngs)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%6.0fs CPU/2 (%6.0fs wall) step %5d: train %.3f bits/dim, test(1k) %.3f bits/dim", el.Seconds(), time.Since(start).Seconds(), step, logs["bits_per_dim"], ev["bits_per_dim"])
			next = el + budget/10
		}
	}
	ev, err := f.Evaluate(test, evalRngs)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("after %v of CPU time (%v wall): test bits/dim %.3f on %d images (target ≤ 1.5)", cpu.Spent().Round(time.Second), time.Since(start).Round(time.Second), ev["bits_per_dim"], test.Len())
	if err := image.SaveGrid("../../docs/flow_mnist_realnvp.png", f.SampleImages(64, tensor.NewRngs(2)), 8); err != nil {
		t.Fatal(err)
	}
}
