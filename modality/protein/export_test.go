package protein

import (
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/tensor"
)

// RecordedTrainLoss is TrainLoss with the constraint's forward pass
// recorded with the family loss's instead of checkpointed: the reference
// whose gradients the checkpoint must give.
func (a *Adapted) RecordedTrainLoss(batch data.Batch, rngs *tensor.Rngs) *tensor.Tensor {
	loss, _ := a.Model.TrainLoss(batch, rngs)
	terms := a.constraints(a.cleanPredictor(batch.Images, rngs)())
	names := a.constraintNames()
	w := make([]float32, len(names))
	for i, name := range names {
		w[i] = float32(a.weights[name+"_weight"])
	}
	return tensor.Add(loss, tensor.Sum(tensor.Mul(terms, tensor.FromSlice(w, len(w)))))
}
