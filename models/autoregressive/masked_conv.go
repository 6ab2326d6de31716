package autoregressive

import (
	"fmt"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// MaskType selects which taps of a masked convolution see the current
// pixel (van den Oord et al. 2016, Pixel Recurrent Neural Networks §3.4).
type MaskType byte

const (
	// MaskA hides the current sub-pixel from the output of the same colour
	// channel: the first layer, which sees the raw input, uses it.
	MaskA MaskType = 'A'
	// MaskB lets an output see the current sub-pixel's own channel group:
	// every layer after the first uses it, since its inputs already exclude
	// the raw value.
	MaskB MaskType = 'B'
)

// MaskedConv2d is a convolution whose kernel is multiplied by a fixed
// binary mask so that the output at pixel (i, j) only sees pixels before
// it in raster order and, at (i, j) itself, only earlier colour channels
// (MaskA) or earlier and the same channel (MaskB). Feature maps are split
// into one group per image channel (R, G, B): channel o of n belongs to
// group o·C/n, so groups need not divide the width evenly.
type MaskedConv2d struct {
	Weight  *tensor.Tensor
	Bias    *tensor.Tensor
	Mask    *tensor.Tensor `nn:"-"` // fixed, not a parameter
	Options tensor.Conv2dOptions
}

// NewMaskedConv2d returns a masked convolution from in to out feature maps
// with an odd square kernel, zero padding that keeps the image size, and a
// mask of the given type for images of channels colour channels.
func NewMaskedConv2d(rngs *nn.Rngs, in, out, kernel int, mask MaskType, channels int) (*MaskedConv2d, error) {
	if kernel <= 0 || kernel%2 == 0 {
		return nil, fmt.Errorf("autoregressive: masked convolution kernel must be odd and positive, got %d", kernel)
	}
	if in < channels || out < channels {
		return nil, fmt.Errorf("autoregressive: masked convolution %d→%d maps must have at least one map per colour channel (%d)", in, out, channels)
	}
	if mask != MaskA && mask != MaskB {
		return nil, fmt.Errorf("autoregressive: mask type must be A or B, got %q", rune(mask))
	}
	c := nn.NewConv2d(rngs, in, out, kernel, 1, kernel/2)
	m := pixelCNNMask(in, out, kernel, mask, channels)
	return &MaskedConv2d{Weight: c.Weight, Bias: c.Bias, Mask: m, Options: c.Options}, nil
}

// pixelCNNMask builds the [out, in, k, k] mask: taps above the centre row
// and left of the centre in the centre row are open; the centre tap is
// open from input group gi to output group go when go > gi (A) or go ≥ gi
// (B); taps after the centre are closed.
func pixelCNNMask(in, out, k int, mask MaskType, channels int) *tensor.Tensor {
	m := make([]float32, out*in*k*k)
	c := k / 2
	for o := range out {
		gOut := o * channels / out
		for i := range in {
			gIn := i * channels / in
			base := (o*in + i) * k * k
			for y := range k {
				for x := range k {
					open := y < c || (y == c && x < c)
					if y == c && x == c {
						open = gOut > gIn || (mask == MaskB && gOut == gIn)
					}
					if open {
						m[base+y*k+x] = 1
					}
				}
			}
		}
	}
	return tensor.FromSlice(m, out, in, k, k)
}

// Forward convolves x [N, in, H, W] with the masked kernel.
func (c *MaskedConv2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.Conv2d(x, tensor.Mul(c.Weight, c.Mask), c.Bias, c.Options)
}
