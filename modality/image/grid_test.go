package image

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/artifex-go/artifex/tensor"
)

func TestSaveGridWritesPixelsInPlace(t *testing.T) {
	// Two 2×2 greyscale images: the second is white, values outside [0, 1]
	// are clipped.
	imgs := tensor.FromSlice([]float32{0, 0.5, 1, -3, 1, 1, 1, 7}, 2, 1, 2, 2)
	path := filepath.Join(t.TempDir(), "grid.png")
	if err := SaveGrid(path, imgs, 2); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 2*(2+2)+2 || b.Dy() != 2+2+2 {
		t.Fatalf("grid size %v", b)
	}
	for _, c := range []struct {
		x, y int
		want uint32
	}{{2, 2, 0}, {3, 2, 128}, {2, 3, 255}, {3, 3, 0}, {6, 2, 255}, {7, 3, 255}} {
		r, _, _, _ := img.At(c.x, c.y).RGBA()
		if r>>8 != c.want {
			t.Errorf("pixel (%d,%d) = %d, want %d", c.x, c.y, r>>8, c.want)
		}
	}
}

func TestGridRejectsBadShape(t *testing.T) {
	if _, err := Grid(tensor.Zeros(2, 2, 4, 4), 0); err == nil {
		t.Fatal("2-channel images accepted")
	}
}
