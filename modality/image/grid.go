// Package image is the image modality: how images are represented for the
// models (value ranges), how model outputs become pictures (PNG grids), and
// image quality metrics.
package image

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"

	"github.com/artifex-go/artifex/tensor"
)

// Grid arranges images [N, C, H, W] with values in [0, 1] (clipped) into one
// picture with nrow images per row and a 2-pixel border. C must be 1
// (greyscale) or 3 (RGB).
func Grid(images *tensor.Tensor, nrow int) (image.Image, error) {
	if images.NDim() != 4 || (images.Dim(1) != 1 && images.Dim(1) != 3) {
		return nil, fmt.Errorf("image: grid needs [N, 1|3, H, W] images, got shape %v", images.Shape())
	}
	n, c, h, w := images.Dim(0), images.Dim(1), images.Dim(2), images.Dim(3)
	if n == 0 {
		return nil, fmt.Errorf("image: grid of zero images")
	}
	if nrow <= 0 {
		nrow = int(math.Ceil(math.Sqrt(float64(n))))
	}
	rows := (n + nrow - 1) / nrow
	const pad = 2
	img := image.NewRGBA(image.Rect(0, 0, nrow*(w+pad)+pad, rows*(h+pad)+pad))
	for i := range img.Pix {
		img.Pix[i] = 255 // white border
	}
	d := images.Data()
	for k := 0; k < n; k++ {
		x0, y0 := pad+(k%nrow)*(w+pad), pad+(k/nrow)*(h+pad)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				var px [3]uint8
				for ch := 0; ch < 3; ch++ {
					src := ch
					if c == 1 {
						src = 0
					}
					px[ch] = toByte(d[((k*c+src)*h+y)*w+x])
				}
				img.SetRGBA(x0+x, y0+y, color.RGBA{px[0], px[1], px[2], 255})
			}
		}
	}
	return img, nil
}

func toByte(v float32) uint8 {
	if v != v || v <= 0 { // NaN shows as black rather than garbage
		return 0
	}
	if v >= 1 {
		return 255
	}
	return uint8(v*255 + 0.5)
}

// SaveGrid writes images [N, C, H, W] in [0, 1] as a PNG grid at path,
// creating its directory.
func SaveGrid(path string, images *tensor.Tensor, nrow int) error {
	img, err := Grid(images, nrow)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("image: writing %s: %w", path, err)
	}
	return f.Close()
}
