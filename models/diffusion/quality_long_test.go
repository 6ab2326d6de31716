//go:build long

package diffusion_test

import (
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/artifex-go/artifex/checkpoint"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/internal/cputime"
	"github.com/artifex-go/artifex/modality/image"
	"github.com/artifex-go/artifex/models/diffusion"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/zoo"
)

// TestDiffusionMNISTQuality trains the zoo's diffusion_mnist on real MNIST
// for ARTIFEX_DIFFUSION_MINUTES minutes (default 25) of 2 cores, counted as
// CPU time (25 minutes allow 50 CPU-minutes), and writes 36 samples
// of each sampler, DDPM with 1000 steps and DDIM with 50, to
// docs/diffusion_mnist_{ddpm,ddim}.png (EMA weights).
//
//	go test -tags long -run DiffusionMNISTQuality -timeout 2h ./models/diffusion
func TestDiffusionMNISTQuality(t *testing.T) {
	minutes := 25.0
	if s := os.Getenv("ARTIFEX_DIFFUSION_MINUTES"); s != "" {
		var err error
		if minutes, err = strconv.ParseFloat(s, 64); err != nil {
			t.Fatal(err)
		}
	}
	train, err := data.Load("mnist", "train", data.LoadOptions{})
	if errors.Is(err, data.ErrNotFound) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	m, err := zoo.CreateModel("diffusion_mnist", nn.NewRngs(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	d := m.(*diffusion.DDPM)
	opt, err := optim.NewAdam(nn.Parameters(d), optim.AdamConfig{LR: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	rngs := tensor.NewRngs(1)
	it, err := data.NewIterator(train, data.BatchOptions{Size: 32, Shuffle: rngs.Stream("shuffle"), DropLast: true})
	if err != nil {
		t.Fatal(err)
	}
	// The budget is CPU time, minutes × 2 cores, so that other jobs on the
	// machine slow the run down without shortening it.
	cpu := cputime.Budget{Wall: time.Duration(minutes * float64(time.Minute)), Cores: 2}
	cpu.Start()
	start := time.Now()
	steps, avg := 0, 0.0
	for !cpu.Exhausted() {
		b, ok := it.Next()
		if !ok { // end of an epoch; the next call starts the next one
			b, _ = it.Next()
		}
		opt.ZeroGrad()
		loss, logs := d.TrainLoss(b, rngs)
		loss.Backward()
		opt.Step()
		steps++
		avg = 0.98*avg + 0.02*logs["loss"]
		if steps%200 == 0 {
			t.Logf("step %d (%v CPU, %v wall): loss %.4f", steps, cpu.Spent().Round(time.Second), time.Since(start).Round(time.Second), avg/(1-pow(0.98, steps)))
		}
	}
	for _, s := range []struct {
		name  string
		steps int
	}{{"ddim", 50}, {"ddpm", 1000}} {
		t0 := time.Now()
		x, err := d.Sample(36, diffusion.SampleOptions{Sampler: s.name, Steps: s.steps}, tensor.NewRngs(2))
		if err != nil {
			t.Fatal(err)
		}
		img := tensor.Clamp(tensor.Scale(tensor.AddScalar(x, 1), 0.5), 0, 1)
		path := "../../docs/diffusion_mnist_" + s.name + ".png"
		if err := image.SaveGrid(path, img, 6); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s %d steps: %v → %s", s.name, s.steps, time.Since(t0).Round(time.Second), path)
	}
	t.Logf("trained %d steps of batch 32 in %v of CPU time", steps, cpu.Spent().Round(time.Second))
	// ARTIFEX_DIFFUSION_SAMPLES=file.safetensors keeps 1,000 DDIM-50 samples
	// (tensor "samples", [1000, 1, 28, 28] in [0, 1]) for FID.
	if path := os.Getenv("ARTIFEX_DIFFUSION_SAMPLES"); path != "" {
		var all []*tensor.Tensor
		for i := range 10 {
			x, err := d.Sample(100, diffusion.SampleOptions{Sampler: "ddim", Steps: 50}, tensor.NewRngs(uint64(10+i)))
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, tensor.Clamp(tensor.Scale(tensor.AddScalar(x, 1), 0.5), 0, 1))
		}
		if err := checkpoint.Save(path, []checkpoint.Tensor{checkpoint.Float32("samples", tensor.Concat(0, all...))}, nil); err != nil {
			t.Fatal(err)
		}
		t.Logf("1,000 DDIM-50 samples → %s", path)
	}
}

func pow(x float64, n int) float64 {
	r := 1.0
	for range n {
		r *= x
	}
	return r
}
