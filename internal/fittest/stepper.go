package fittest

import (
	"testing"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/tensor"
)

// FitStepper is Fit for a model that updates itself (models.Stepper, the
// GANs): it runs steps of m.TrainStep on the batches of it, going on into
// the next epoch at the end of one, and returns the logs of the first and
// of the last step.
func FitStepper(t testing.TB, m models.Stepper, it *data.Iterator, rngs *tensor.Rngs, steps int) (first, last map[string]float64) {
	t.Helper()
	for step := range steps {
		b, ok := it.Next()
		if !ok {
			b, _ = it.Next()
		}
		logs, err := m.TrainStep(b, rngs)
		if err != nil {
			t.Fatalf("step %d: %v", step+1, err)
		}
		if step == 0 {
			first = logs
		}
		last = logs
	}
	return first, last
}
