package image

import (
	"math"
	"testing"

	"github.com/artifex-go/artifex/internal/goldentest"
	"github.com/artifex-go/artifex/tensor"
)

func TestSSIMAndPSNRMatchNumpy(t *testing.T) {
	g := goldentest.Load[struct {
		Shape      []int
		X, Y       []float32
		SSIM, PSNR float64
	}](t, "testdata/golden.json")
	x, y := tensor.FromSlice(g.X, g.Shape...), tensor.FromSlice(g.Y, g.Shape...)
	s, err := SSIM(x, y, 1)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(s-g.SSIM) > 1e-9 {
		t.Errorf("SSIM %.12g, want %.12g", s, g.SSIM)
	}
	p, err := PSNR(x, y, 1)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(p-g.PSNR) > 1e-9 {
		t.Errorf("PSNR %.12g, want %.12g", p, g.PSNR)
	}
}

func TestSSIMAndPSNRKnownCases(t *testing.T) {
	x := tensor.NewRngs(1).Stream("x").Uniform(0, 1, 1, 1, 12, 12)
	if s, _ := SSIM(x, x, 1); math.Abs(s-1) > 1e-12 {
		t.Errorf("SSIM of an image with itself %g, want 1", s)
	}
	if p, _ := PSNR(x, x, 1); !math.IsInf(p, 1) {
		t.Errorf("PSNR of an image with itself %g, want +Inf", p)
	}
	// Every value off by 0.1: MSE 0.01, PSNR 20 dB in [0, 1], 40 dB for
	// a range of 10.
	shifted := tensor.AddScalar(x, 0.1)
	if p, _ := PSNR(x, shifted, 1); math.Abs(p-20) > 1e-4 {
		t.Errorf("PSNR %g, want 20", p)
	}
	if p, _ := PSNR(x, shifted, 10); math.Abs(p-40) > 1e-4 {
		t.Errorf("PSNR %g, want 40", p)
	}
	if _, err := SSIM(tensor.Zeros(1, 1, 8, 8), tensor.Zeros(1, 1, 8, 8), 1); err == nil {
		t.Error("SSIM of 8×8 images accepted")
	}
	if _, err := PSNR(x, tensor.Zeros(1, 1, 12, 11), 1); err == nil {
		t.Error("PSNR of different shapes accepted")
	}
}
