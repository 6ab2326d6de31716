package main

import (
	"image/png"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/pretrained"
)

func TestSamplePretrainedDrawsFromTheEmbeddedWeights(t *testing.T) {
	out := filepath.Join(t.TempDir(), "digits.png")
	stdout, err := run(t, factory.DefaultRegistry(), "sample", "--zoo", "vae_mnist", "--pretrained", "-n", "16", "--out", out)
	if err != nil || !strings.Contains(stdout, "16 samples of vae_mnist") {
		t.Fatalf("sample --pretrained: %v\n%s", err, stdout)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Errorf("the grid: %v", err)
	}
	// A diffusion preset's weights take the sampler's flags.
	stdout, err = run(t, factory.DefaultRegistry(), "sample", "--zoo", "diffusion_mnist", "--pretrained", "-n", "4", "--steps", "10", "--out", filepath.Join(t.TempDir(), "d.png"))
	if err != nil || !strings.Contains(stdout, "4 samples of diffusion_mnist") {
		t.Errorf("sample --zoo diffusion_mnist --pretrained --steps 10: %v\n%s", err, stdout)
	}
	for _, args := range [][]string{
		{"sample", "--zoo", "flow_mnist_realnvp", "--pretrained"},
		{"sample", "--zoo", "vae_mnist"},
		{"sample"},
	} {
		if _, err := run(t, factory.DefaultRegistry(), args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

func TestEvaluateCountsTheExamplesOfAnImportanceSampledBoundOnATerminal(t *testing.T) {
	dir, err := pretrained.Extract("vae_mnist", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// Long enough (seconds) for the spinner to redraw with a count.
	args := []string{"evaluate", "--checkpoint", dir, "--limit", "40", "--json"}
	_, off, err := runOutputs(t, factory.DefaultRegistry(), args...)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(off, "/40") {
		t.Errorf("off a terminal evaluate counted: %q", off)
	}
	defer func(orig func(io.Writer) bool) { isTerminal = orig }(isTerminal)
	isTerminal = func(io.Writer) bool { return true }
	stdout, on, err := runOutputs(t, factory.DefaultRegistry(), args...)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`evaluate: vae_mnist's family metrics: examples [0-9]+/40 +\[`).MatchString(on) || strings.Contains(on, "(0/-)") {
		t.Errorf("on a terminal evaluate wrote %q", on)
	}
	if !strings.Contains(stdout, `"examples":40`) {
		t.Errorf("evaluate printed %s", stdout)
	}
}
