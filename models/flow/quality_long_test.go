//go:build long

package flow_test

import (
	"encoding/json"
	"math"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/internal/cputime"
	"github.com/artifex-go/artifex/modality/image"
	"github.com/artifex-go/artifex/models/flow"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/train"
	"github.com/artifex-go/artifex/zoo"
)

// TestFlowMNISTBitsPerDim is the quality probe of the image flows
// flow_mnist_realnvp (the default) and flow_mnist_glow ($FLOW_ZOO): it
// trains on dequantised real MNIST with the configuration's
// training_defaults (optimizer, learning rate, Adam betas, batch size,
// grad_clip, warmup_steps, lr_schedule) for a budget of CPU time
// ($FLOW_BUDGET, a Go duration, default 30m: 30m allows 60 CPU-minutes,
// what 2 cores give in 30 minutes, and other jobs on the machine slow the
// run down without shortening it). A cosine lr_schedule is run against the
// CPU budget: after warm-up the rate follows half a cosine from
// learning_rate to min_learning_rate as the budget is spent, since the
// number of steps the budget allows is not known in advance.
//
// It logs the test bits/dim on the first 1,000 test images at tenths of
// the budget ($FLOW_EVALS changes the count), then on all 10,000, and,
// when $FLOW_SAMPLES names a file (relative to models/flow, e.g.
// ../../docs/flow_mnist_realnvp.png), saves an 8×8 grid of samples at the
// configured temperature there. The target is ≤ 1.5 bits/dim.
//
//	FLOW_BUDGET=30m FLOW_SAMPLES=../../docs/flow_mnist_realnvp.png go test -tags long -run FlowMNIST -v -timeout 0 ./models/flow
//	FLOW_ZOO=flow_mnist_glow FLOW_BUDGET=30m FLOW_SAMPLES=../../docs/flow_mnist_glow.png go test -tags long -run FlowMNIST -v -timeout 0 ./models/flow
//
// $FLOW_LR, $FLOW_CLIP, $FLOW_WARMUP and $FLOW_BATCH override the
// configuration for short probes of the recipe, and $FLOW_OVERRIDES, a JSON
// object of zoo overrides (e.g. {"hidden_dims": [128, 128]}), its
// architecture.
func TestFlowMNISTBitsPerDim(t *testing.T) {
	name := "flow_mnist_realnvp"
	if s := os.Getenv("FLOW_ZOO"); s != "" {
		name = s
	}
	budget := 30 * time.Minute
	if s := os.Getenv("FLOW_BUDGET"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("FLOW_BUDGET: %v", err)
		}
		budget = d
	}
	evals := envInt(t, "FLOW_EVALS", 10)
	trainSet, err := data.Load("mnist", "train", data.LoadOptions{})
	if err != nil {
		t.Skip(err)
	}
	test, err := data.Load("mnist", "test", data.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	probe, _, _ := test.Split(1000)
	rngs := nn.NewRngs(0)
	var overrides zoo.Overrides
	if js := os.Getenv("FLOW_OVERRIDES"); js != "" {
		if err := json.Unmarshal([]byte(js), &overrides); err != nil {
			t.Fatalf("FLOW_OVERRIDES: %v", err)
		}
	}
	m, err := zoo.CreateModel(name, rngs, overrides)
	if err != nil {
		t.Fatal(err)
	}
	f := m.(*flow.NormalizingFlow)
	s, err := train.SettingsFromConfig(f.Config())
	if err != nil {
		t.Fatal(err)
	}
	s.LearningRate = envFloat(t, "FLOW_LR", s.LearningRate)
	s.GradClip = envFloat(t, "FLOW_CLIP", s.GradClip)
	s.WarmupSteps = envInt(t, "FLOW_WARMUP", s.WarmupSteps)
	s.BatchSize = envInt(t, "FLOW_BATCH", s.BatchSize)
	if s.Optimizer != "adam" || (s.Schedule != "" && s.Schedule != "constant" && s.Schedule != "cosine") {
		t.Fatalf("%s: this probe runs adam with a constant or cosine schedule, the configuration asks for %s with %q", name, s.Optimizer, s.Schedule)
	}
	opt, err := optim.NewAdam(nn.Parameters(f), optim.AdamConfig{LR: s.LearningRate, Betas: [2]float64{s.Beta1, s.Beta2}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: adam lr %g betas (%g, %g), batch %d, warm-up %d steps, %s schedule, grad clip %g, %d parameters, %v of CPU time",
		name, s.LearningRate, s.Beta1, s.Beta2, s.BatchSize, s.WarmupSteps, s.Schedule, s.GradClip, nn.CountParameters(f), 2*budget)
	it, err := data.NewIterator(trainSet, data.BatchOptions{Size: s.BatchSize, Shuffle: rngs.Stream("shuffle"), DropLast: true})
	if err != nil {
		t.Fatal(err)
	}
	cpu := cputime.Budget{Wall: budget, Cores: 2}
	cpu.Start()
	total := 2 * budget
	start, next := time.Now(), time.Duration(0)
	evalRngs := tensor.NewRngs(1)
	var maxNorm, sumNorm float64
	var clipped, window int
	step := 0
	for ; !cpu.Exhausted(); step++ {
		lr := s.LearningRate
		if s.WarmupSteps > 0 && step < s.WarmupSteps {
			lr *= float64(step+1) / float64(s.WarmupSteps)
		}
		if s.Schedule == "cosine" {
			progress := math.Min(1, float64(cpu.Spent())/float64(total))
			lr = s.MinLR + (lr-s.MinLR)*0.5*(1+math.Cos(math.Pi*progress))
		}
		opt.SetLR(lr)
		b, ok := it.Next()
		if !ok {
			b, _ = it.Next()
		}
		opt.ZeroGrad()
		loss, logs := f.TrainLoss(b, rngs)
		loss.Backward()
		var norm float64
		if s.GradClip > 0 {
			if norm = optim.ClipGradNorm(opt.Params(), s.GradClip); norm > s.GradClip {
				clipped++
			}
		} else {
			norm = optim.GradNorm(opt.Params())
		}
		maxNorm, sumNorm, window = math.Max(maxNorm, norm), sumNorm+norm, window+1
		opt.Step()
		if el := cpu.Spent(); el >= next {
			ev, err := f.Evaluate(probe, evalRngs)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%6.0fs CPU (%5.0fs wall) step %5d lr %.2e: train %.3f bits/dim, test(1k) %.3f bits/dim; grad norm mean %.3g max %.3g, %d clipped",
				el.Seconds(), time.Since(start).Seconds(), step+1, lr, logs["bits_per_dim"], ev["bits_per_dim"], sumNorm/float64(window), maxNorm, clipped)
			maxNorm, sumNorm, clipped, window = 0, 0, 0, 0
			next = el + total/time.Duration(evals)
		}
	}
	spent, wall := cpu.Spent(), time.Since(start)
	ev, err := f.Evaluate(test, evalRngs)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s after %d steps, %v of CPU time (%v wall): test bits/dim %.4f on %d images (target ≤ 1.5)",
		name, step, spent.Round(time.Second), wall.Round(time.Second), ev["bits_per_dim"], test.Len())
	if path := os.Getenv("FLOW_SAMPLES"); path != "" {
		if err := image.SaveGrid(path, f.SampleImages(64, tensor.NewRngs(2)), 8); err != nil {
			t.Fatal(err)
		}
	}
}

func envFloat(t *testing.T, key string, def float64) float64 {
	s := os.Getenv(key)
	if s == "" {
		return def
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return v
}

func envInt(t *testing.T, key string, def int) int {
	s := os.Getenv(key)
	if s == "" {
		return def
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%s: %v", key, err)
	}
	return v
}
