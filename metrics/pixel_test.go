package metrics

import (
	"math"
	"testing"

	"github.com/artifex-go/artifex/tensor"
)

func TestPixelFeaturesAverageCellsPerChannel(t *testing.T) {
	// One image, two channels of 4×4: channel 0 counts 0..15 row by row,
	// channel 1 is all 1. Cells of 2×2: (0+1+4+5)/4 = 2.5, then 4.5,
	// 10.5, 12.5.
	v := make([]float32, 32)
	for i := range 16 {
		v[i], v[16+i] = float32(i), 1
	}
	f, err := PixelFeatures(tensor.FromSlice(v, 1, 2, 4, 4), 2)
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{2.5, 4.5, 10.5, 12.5, 1, 1, 1, 1}
	if len(f) != 1 || len(f[0]) != len(want) {
		t.Fatalf("features %v, want one row %v", f, want)
	}
	for i, w := range want {
		if f[0][i] != w {
			t.Errorf("feature %d = %g, want %g", i, f[0][i], w)
		}
	}
	// A side that does not divide the image still covers every pixel
	// once: the mean of the cell means of a constant image is the constant.
	odd, err := PixelFeatures(tensor.Full(0.25, 1, 1, 28, 28), PixelSide)
	if err != nil || len(odd[0]) != PixelSide*PixelSide || odd[0][0] != 0.25 || odd[0][len(odd[0])-1] != 0.25 {
		t.Errorf("28×28 into %d cells: %v, %v", PixelSide, odd, err)
	}
	if _, err := PixelFeatures(tensor.Zeros(1, 3, 4, 4), 8); err == nil {
		t.Error("4×4 images pooled into 8×8 cells")
	}
}

// Without a classifier for the data set, pixel statistics still tell a
// set of images from itself and from noise, under names of their own.
func TestPixelQualityTellsASetFromNoise(t *testing.T) {
	s := tensor.NewRngs(1).Stream("test")
	// Colour images with structure: a bright left half in channel 0.
	real := s.Uniform(0, 0.3, 200, 3, 16, 16)
	d := real.Data()
	for i := range 200 {
		for y := range 16 {
			for x := range 8 {
				d[i*768+y*16+x] += 0.6
			}
		}
	}
	same, err := PixelQuality(real, tensor.Narrow(real, 0, 0, 100), QualityOptions{}, s)
	if err != nil {
		t.Fatal(err)
	}
	noise, err := PixelQuality(real, s.Uniform(0, 1, 100, 3, 16, 16), QualityOptions{}, s)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{KeyFID, KeyKID, KeyPrecision, KeyRecall, KeyDensity, KeyCoverage} {
		if _, ok := same[PixelPrefix+k]; !ok {
			t.Errorf("no %s%s in %v", PixelPrefix, k, same)
		}
	}
	if _, ok := same[KeyFID]; ok {
		t.Error("pixel statistics reported under the feature-space name fid")
	}
	if !(same["pixel_fid"] < 0.1*noise["pixel_fid"]) || same["pixel_precision"] < 0.9 || noise["pixel_precision"] > 0.1 || math.IsNaN(same["pixel_kid"]) {
		t.Errorf("a subset of the real images: %v\nnoise: %v", same, noise)
	}
	if _, err := PixelQuality(real, s.Uniform(0, 1, 10, 1, 16, 16), QualityOptions{}, s); err == nil {
		t.Error("colour against greyscale images compared")
	}
}
