package main

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/factory"
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
	for _, args := range [][]string{
		{"sample", "--zoo", "diffusion_mnist", "--pretrained"},
		{"sample", "--zoo", "vae_mnist"},
		{"sample"},
	} {
		if _, err := run(t, factory.DefaultRegistry(), args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
