package main

import (
	"encoding/json"
	"github.com/artifex-go/artifex/internal/datatest"
	"path/filepath"
	"testing"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/zoo"
)

func TestEvaluateCycleGANReportsClassPreservationWithTheMNISTClassifier(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a CycleGAN for two steps")
	}
	if _, err := data.Load("mnist", "test", data.LoadOptions{}); err != nil {
		datatest.Skipf(t, "MNIST not available: %v", firstLine(err))
	}
	cfg, err := zoo.GetConfig("cyclegan_mnist")
	if err != nil {
		t.Fatal(err)
	}
	tiny["cyclegan_mnist"](&cfg)
	dir := t.TempDir()
	file := filepath.Join(dir, "cyclegan.yaml")
	if err := cfg.Save(file); err != nil {
		t.Fatal(err)
	}
	reg := factory.DefaultRegistry()
	out := filepath.Join(dir, "run")
	if _, err := run(t, reg, "train", "--config", file, "--steps", "2", "--batch-size", "4", "--samples", "4", "--out", out, "--quiet"); err != nil {
		t.Fatal(err)
	}
	printed, err := run(t, reg, "evaluate", "--checkpoint", out, "--limit", "32", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]float64
	if err := json.Unmarshal([]byte(printed), &got); err != nil {
		t.Fatalf("evaluate printed %q: %v", printed, err)
	}
	for _, k := range []string{"source_accuracy", "class_preservation_ab", "class_preservation_ba", "class_preservation_cycle"} {
		v, ok := got[k]
		if !ok || v < 0 || v > 1 {
			t.Errorf("%s = %v (present: %v), want a fraction of the 32 test digits", k, v, ok)
		}
	}
	// The shipped classifier knows MNIST: the untranslated digits are the
	// ceiling of the others.
	if got["source_accuracy"] < 0.9 {
		t.Errorf("source_accuracy %.3f on 32 MNIST test digits, want > 0.9", got["source_accuracy"])
	}
	for _, k := range []string{"cycle_error", "cycle_error_bab", "translation_error_ab", "translation_error_ba"} {
		if v, ok := got[k]; !ok || !(v >= 0 && v <= 1) {
			t.Errorf("%s = %v (present: %v), want a mean pixel error in [0, 1]", k, v, ok)
		}
	}
}
