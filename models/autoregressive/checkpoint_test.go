package autoregressive

import (
	"math"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// With gradient checkpointing the blocks run again during backward, their
// dropout masks replayed: the loss and the gradients equal the recorded
// model's.
func TestTransformerGradientCheckpointingGivesTheRecordedGradients(t *testing.T) {
	run := func(ckpt bool) (float32, [][]float32) {
		o := TransformerOptions{VocabSize: 11, ContextLength: 12, Dim: 16, Layers: 2, Heads: 2, FFDim: 32, Dropout: 0.2, Positions: RotaryPositions, GradientCheckpointing: ckpt}
		m, err := NewTransformer(config.ModelConfiguration{Name: "tiny", ModelClass: "Transformer"}, o, nn.NewRngs(3))
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]float32, 3*9)
		for i := range ids {
			ids[i] = float32((i*7 + 2) % 11)
		}
		loss, _ := m.TrainLoss(data.Batch{Images: tensor.FromSlice(ids, 3, 9)}, tensor.NewRngs(4))
		loss.Backward()
		var grads [][]float32
		for _, p := range nn.Parameters(m) {
			grads = append(grads, p.Tensor.Grad().Data())
		}
		return loss.Item(), grads
	}
	wantLoss, want := run(false)
	loss, got := run(true)
	if loss != wantLoss {
		t.Fatalf("checkpointed loss %g, recorded %g", loss, wantLoss)
	}
	for k := range want {
		for i := range want[k] {
			if d := float64(got[k][i] - want[k][i]); math.Abs(d) > 1e-5*math.Max(1e-3, math.Abs(float64(want[k][i]))) {
				t.Fatalf("parameter %d gradient[%d]: checkpointed %g, recorded %g", k, i, got[k][i], want[k][i])
			}
		}
	}
}
