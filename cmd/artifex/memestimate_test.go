package main

import (
	"strings"
	"testing"

	"github.com/artifex-go/artifex/internal/sysmem"
	"github.com/artifex-go/artifex/internal/traintest"
)

func TestConfigValidateEstimatesTrainingMemory(t *testing.T) {
	reg := traintest.NewRegistry()
	out, err := run(t, reg, "config", "validate", writeFile(t, "good.yaml", tinyYAML))
	if err != nil || !strings.Contains(out, "training memory at batch 16: about") || !strings.Contains(out, "activations") {
		t.Fatalf("a good file: %v\n%s", err, out)
	}
	// A batch whose activations alone outgrow any machine is refused,
	// with the estimate and the machine's memory.
	huge := strings.Replace(tinyYAML, "batch_size: 16", "batch_size: 4000000000", 1)
	_, err = run(t, reg, "config", "validate", writeFile(t, "huge.yaml", huge))
	if float64(sysmem.Total()) > 0 && (err == nil || !strings.Contains(err.Error(), "does not fit in memory") || !strings.Contains(err.Error(), "this machine has")) {
		t.Errorf("a batch of 4e9 examples: %v", err)
	}
}

func TestPeakCountsTheActivationsTheArenaHolds(t *testing.T) {
	est := memoryEstimate{Model: 1 << 30, State: 2 << 30, Activations: 3 << 30, Batch: 64, GCFactor: 2, ArenaFactor: 3}
	// (1 + 2 + 3·3 GiB) × 2; the live heap is still 6 GiB.
	if est.Peak() != 24<<30 || est.Live() != 6<<30 {
		t.Errorf("peak %g, live %g; want 24 GiB and 6 GiB", est.Peak(), est.Live())
	}
	report, err := checkFits(est, 0)
	if err != nil || !strings.Contains(report, "peak resident set about 24 GiB with the step's arena (activations ×3)") {
		t.Errorf("report %q, %v", report, err)
	}
}

func TestCheckFits(t *testing.T) {
	est := memoryEstimate{Model: 1 << 30, State: 2 << 30, Activations: 3 << 30, Batch: 64, GCFactor: 2}
	for _, c := range []struct {
		machine  float64
		refused  bool
		contains string
	}{
		{0, false, "peak resident set about 12 GiB"},
		{8 << 30, false, "note: the peak exceeds the machine's memory"},
		{32 << 30, false, "this machine has 32 GiB"},
		{4 << 30, true, "training does not fit in memory"},
	} {
		report, err := checkFits(est, c.machine)
		text := report
		if err != nil {
			text = err.Error()
		}
		if (err != nil) != c.refused || !strings.Contains(text, c.contains) {
			t.Errorf("machine %g: %q, %v; want refused=%v and %q", c.machine, report, err, c.refused, c.contains)
		}
		if c.machine == 32<<30 && strings.Contains(report, "note:") {
			t.Errorf("a peak that fits got a note: %q", report)
		}
	}
}
