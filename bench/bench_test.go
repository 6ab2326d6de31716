package bench

import (
	"testing"
)

// Every workload must set up and run a step: a workload that panics is
// only found when someone benchmarks it otherwise.
func TestEveryWorkloadRunsAStep(t *testing.T) {
	if testing.Short() {
		t.Skip("runs one step of every workload")
	}
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			w, _ := Lookup(name)
			step, _ := w.Setup()
			step()
		})
	}
}
