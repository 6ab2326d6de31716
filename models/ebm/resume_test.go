package ebm_test

import (
	"context"
	"testing"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/models/ebm"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/train"
)

// TestTrainingResumesTheReplayBufferExactly runs contrastive divergence
// through the trainer for 6 steps, and for 3 steps then 3 more from the
// checkpoint: the persistent chains are in the checkpoint, so both runs
// end with the same parameters and the same buffer, bit for bit.
func TestTrainingResumesTheReplayBufferExactly(t *testing.T) {
	images := tensor.NewRngs(1).Stream("img").Uniform(0, 1, 40*1*6*5).Data()
	ds, err := data.NewDataset(images, nil, 1, 6, 5)
	if err != nil {
		t.Fatal(err)
	}
	cfg := imageConfig("EBM", map[string]any{"mcmc_steps": 3, "replay_buffer_size": 64})
	cfg.InputDim = []int{6, 5, 1}
	s := train.DefaultSettings
	s.BatchSize = 8
	run := func(dir string, steps int, resume bool) *ebm.EBM {
		rngs := nn.NewRngs(s.Seed)
		m, err := factory.CreateModel(cfg, rngs)
		if err != nil {
			t.Fatal(err)
		}
		s.Steps = steps
		tr, err := train.New(m, ds, rngs, s, train.Options{OutDir: dir, Resume: resume, Quiet: true, Samples: -1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		return m.(*ebm.EBM)
	}
	straight := run(t.TempDir(), 6, false)
	dir := t.TempDir()
	run(dir, 3, false)
	resumed := run(dir, 6, true)
	if straight.Buffer.Len() != 48 || resumed.Buffer.Len() != 48 {
		t.Fatalf("buffers hold %d and %d samples, want 6 steps × 8 = 48", straight.Buffer.Len(), resumed.Buffer.Len())
	}
	a, b := nn.State(straight), nn.State(resumed)
	for i := range a {
		for j, v := range a[i].Tensor.Data() {
			if b[i].Tensor.Data()[j] != v {
				t.Fatalf("%s[%d]: %g straight, %g resumed", a[i].Name, j, v, b[i].Tensor.Data()[j])
			}
		}
	}
}
