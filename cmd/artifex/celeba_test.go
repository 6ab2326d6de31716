package main

import (
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/train"
	"github.com/artifex-go/artifex/zoo"
)

// TestDiffusionCelebATrainsOnAnImageFolder trains diffusion_celeba for two
// steps on JPEG faces-to-be in the CelebA layout. The UNet is shrunk by
// tiny (16×16 input, channels 8 and 16): the full 64×64 model with
// channels up to 512 takes minutes per step on two cores. The images are
// 20×24, so the loader's crop and resize to the configuration's input
// size is what makes them fit.
func TestDiffusionCelebATrainsOnAnImageFolder(t *testing.T) {
	dir := t.TempDir()
	folder := filepath.Join(dir, "celeba", data.CelebAImageFolder)
	if err := os.MkdirAll(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	for k := range 10 {
		img := image.NewRGBA(image.Rect(0, 0, 20, 24))
		for y := range 24 {
			for x := range 20 {
				img.Set(x, y, color.RGBA{uint8(12 * x), uint8(10 * y), uint8(25 * k), 255})
			}
		}
		f, err := os.Create(filepath.Join(folder, fmt.Sprintf("%06d.jpg", k+1)))
		if err != nil {
			t.Fatal(err)
		}
		if err := jpeg.Encode(f, img, nil); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	cfg, err := zoo.GetConfig("diffusion_celeba")
	if err != nil {
		t.Fatal(err)
	}
	tiny["diffusion_celeba"](&cfg)
	file := filepath.Join(dir, "celeba.yaml")
	if err := cfg.Save(file); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "run")
	t.Setenv(data.EnvDataDir, "")
	if _, err := run(t, factory.DefaultRegistry(), "train", "--config", file, "--data-dir", dir,
		"--steps", "2", "--batch-size", "4", "--samples", "4", "--out", out, "--quiet"); err != nil {
		t.Fatalf("train: %v", err)
	}
	records, err := train.ReadMetrics(filepath.Join(out, train.MetricsFile))
	if err != nil || len(records) != 1 || records[0].Step != 2 || math.IsNaN(records[0].Loss) || records[0].Loss <= 0 {
		t.Errorf("metrics %+v, %v; want the loss of step 2", records, err)
	}
	assertPNG(t, filepath.Join(out, "samples.png"))

	// Without the folder the error says where it looked and how to get it.
	empty := t.TempDir()
	_, err = run(t, factory.DefaultRegistry(), "train", "--config", file, "--data-dir", empty,
		"--steps", "1", "--out", filepath.Join(dir, "run2"), "--quiet")
	for _, want := range []string{filepath.Join(empty, "celeba", data.CelebAImageFolder), "img_align_celeba.zip", "--data-dir"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing folder: err %v, want it to mention %q", err, want)
		}
	}
}
