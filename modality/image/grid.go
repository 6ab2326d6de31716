// Package image is the image modality: how images are represented for the
// models (value ranges, layouts), the adapter that fits a program's images
// to the model families (Modality, with training augmentation), how model
// outputs become pictures (PNG and JPEG grids), and reference
// image-quality metrics (PSNR, SSIM).
package image

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

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

// Format is an image file format of grids: PNG (lossless) or JPEG.
type Format string

// The grid file formats.
const (
	PNG  Format = "png"
	JPEG Format = "jpeg"
)

// FormatOf returns the format a file name's extension asks for: .png, or
// .jpg/.jpeg.
func FormatOf(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		return PNG, nil
	case ".jpg", ".jpeg":
		return JPEG, nil
	}
	return "", fmt.Errorf("image: cannot tell the format of %q from its extension; allowed: .png, .jpg, .jpeg", path)
}

// JPEGQuality is the quality grids are written with as JPEG.
const JPEGQuality = 95

// WriteGrid encodes images [N, C, H, W] in [0, 1] as a grid (see Grid)
// in format f.
func WriteGrid(w io.Writer, images *tensor.Tensor, nrow int, f Format) error {
	img, err := Grid(images, nrow)
	if err != nil {
		return err
	}
	switch f {
	case PNG:
		return png.Encode(w, img)
	case JPEG:
		return jpeg.Encode(w, img, &jpeg.Options{Quality: JPEGQuality})
	}
	return fmt.Errorf("image: unknown grid format %q; allowed: png, jpeg", f)
}

// SaveGrid writes images [N, C, H, W] in [0, 1] as a grid at path, as PNG
// or JPEG by its extension, creating its directory.
func SaveGrid(path string, images *tensor.Tensor, nrow int) error {
	f, err := FormatOf(path)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := WriteGrid(&buf, images, nrow, f); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("image: writing %s: %w", path, err)
	}
	return nil
}

// Load reads a PNG or JPEG file into a tensor [1, C, H, W] with values in
// [0, 1]: C is 1 for a greyscale picture and 3 otherwise (alpha is
// dropped).
func Load(path string) (*tensor.Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("image: %w", err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("image: decoding %s (PNG and JPEG are read): %w", path, err)
	}
	b := img.Bounds()
	h, w := b.Dy(), b.Dx()
	c := 3
	switch img.ColorModel() {
	case color.GrayModel, color.Gray16Model:
		c = 1
	}
	out := make([]float32, c*h*w)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			if c == 1 {
				out[y*w+x] = float32(r) / 0xffff
				continue
			}
			for ch, v := range [3]uint32{r, g, bl} {
				out[(ch*h+y)*w+x] = float32(v) / 0xffff
			}
		}
	}
	return tensor.FromSlice(out, 1, c, h, w), nil
}
