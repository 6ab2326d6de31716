//go:build long

package protein_test

// The memory of one training step of the diffusion_foldingdiff preset
// (12 transformer layers of width 384 over 128 residues, the protein
// modality's constraint included), stage by stage, as BENCHMARKS.md's
// memory section reports it. Run with
//
//	go test -tags long -run FoldingDiffStepMemory -v ./modality/protein
//
// ARTIFEX_BATCH sets the batch (default 8), ARTIFEX_CHECKPOINTING=1 turns
// gradient_checkpointing on, and ARTIFEX_HEAP_PROFILE=FILE writes a heap
// profile at the end of the forward pass (go tool pprof -sample_index=inuse_space FILE).

import (
	"os"
	"runtime"
	"runtime/pprof"
	"testing"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/zoo"
)

func liveMB() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc) / 1e6
}

func TestFoldingDiffStepMemory(t *testing.T) {
	batch := envInt("ARTIFEX_BATCH", 8)
	overrides := zoo.Overrides{}
	if os.Getenv("ARTIFEX_CHECKPOINTING") == "1" {
		overrides["gradient_checkpointing"] = true
	}
	start := liveMB()
	m, err := zoo.CreateModel("diffusion_foldingdiff", nn.NewRngs(0), overrides, factory.WithModality("protein"))
	if err != nil {
		t.Fatal(err)
	}
	model := liveMB()
	opt, err := optim.NewAdamW(nn.Parameters(m), optim.AdamConfig{LR: 5e-5})
	if err != nil {
		t.Fatal(err)
	}
	rngs := tensor.NewRngs(1)
	x := rngs.Stream("angles").Uniform(-3.14, 3.14, batch, 128, 6)
	step := func(profile string) (before, forward float64) {
		opt.ZeroGrad()
		before = liveMB()
		loss, _ := m.(models.Trainable).TrainLoss(data.Batch{Images: x}, rngs)
		forward = liveMB()
		if profile != "" {
			f, err := os.Create(profile)
			if err != nil {
				t.Fatal(err)
			}
			if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
				t.Fatal(err)
			}
			f.Close()
		}
		loss.Backward()
		opt.Step()
		return before, forward
	}
	step("") // the optimizer's moments appear at the first step
	before, forward := step(os.Getenv("ARTIFEX_HEAP_PROFILE"))
	activations := forward - before
	t.Logf("batch %d: weights and EMA %.0f MB, optimizer moments and the previous step's leftovers %.0f MB, activations kept for backward %.0f MB (%.1f MB per example), live at the end of the forward pass %.0f MB",
		batch, model-start, before-model, activations, activations/float64(batch), forward-start)
	// 12 layers × (input, normalised input, q, k, v, merged heads, the
	// residual, its normalisation, the feed-forward hidden layer) =
	// 12 × (8 + 4) × 128 × 384 floats ≈ 28 MB per example; the
	// feed-forward layer is 4 of those 12 units.
	if perExample := activations / float64(batch); overrides["gradient_checkpointing"] == nil && perExample > 32 {
		t.Errorf("%.1f MB of activations per example, want at most 32 (about 28: what the backward pass reads)", perExample)
	}
}
