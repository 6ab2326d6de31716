package protein_test

import (
	"math"
	"testing"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/modality/protein"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// The constraint's forward pass is recomputed during backward (a
// checkpoint, dropout replayed): the loss and the gradients equal those of
// recording it with the family loss.
func TestConstraintCheckpointGivesTheRecordedGradients(t *testing.T) {
	cfg := angleDDPM(map[string]any{"bond_angle_weight": 3.0})
	cfg.Parameters["dropout_rate"] = 0.2
	x := tensor.NewRngs(1).Stream("x").Uniform(-0.3, 0.3, 4, 1, 16, 6)
	run := func(recorded bool) (float32, [][]float32) {
		m, err := factory.CreateModel(cfg, nn.NewRngs(0), factory.WithModality("protein"))
		if err != nil {
			t.Fatal(err)
		}
		a := m.(*protein.Adapted)
		var loss *tensor.Tensor
		if recorded {
			loss = a.RecordedTrainLoss(data.Batch{Images: x}, tensor.NewRngs(2))
		} else {
			loss, _ = a.TrainLoss(data.Batch{Images: x}, tensor.NewRngs(2))
		}
		loss.Backward()
		var grads [][]float32
		for _, p := range nn.Parameters(a) {
			grads = append(grads, p.Tensor.Grad().Data())
		}
		return loss.Item(), grads
	}
	wantLoss, want := run(true)
	loss, got := run(false)
	if math.Abs(float64(loss-wantLoss)) > 1e-6 {
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
