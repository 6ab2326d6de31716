// Package fittest holds the "it learns" loop the families' tests share.
package fittest

import (
	"testing"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/optim"
	"github.com/artifex-go/artifex/tensor"
)

// Fit runs steps Adam steps at learning rate lr of m's loss on one batch,
// the "it learns" check of the families' tests, and returns the logged
// value key at the first and at the last step.
func Fit(t testing.TB, m models.Trainable, batch data.Batch, rngs *tensor.Rngs, lr float64, steps int, key string) (first, last float64) {
	t.Helper()
	opt, err := optim.NewAdam(nn.Parameters(m), optim.AdamConfig{LR: lr})
	if err != nil {
		t.Fatal(err)
	}
	for step := range steps {
		opt.ZeroGrad()
		loss, logs := m.TrainLoss(batch, rngs)
		loss.Backward()
		opt.Step()
		if step == 0 {
			first = logs[key]
		}
		last = logs[key]
	}
	return first, last
}
