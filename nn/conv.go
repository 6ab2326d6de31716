package nn

import (
	"github.com/artifex-go/artifex/tensor"
)

// Conv2d is a 2-D convolution over NCHW input with weight
// [out, in/groups, kh, kw] and bias [out], as in PyTorch.
type Conv2d struct {
	Weight  *tensor.Tensor
	Bias    *tensor.Tensor // nil without bias
	Options tensor.Conv2dOptions
}

// NewConv2d returns a square-kernel convolution with PyTorch's default
// initialisation; stride, padding and dilation apply to both axes.
func NewConv2d(rngs *Rngs, in, out, kernel, stride, padding int) *Conv2d {
	return NewConv2dWith(rngs, in, out, [2]int{kernel, kernel}, tensor.Conv2dOptions{
		Stride: [2]int{stride, stride}, Padding: [2]int{padding, padding}})
}

// NewConv2dWith returns a convolution with full options (dilation, groups).
func NewConv2dWith(rngs *Rngs, in, out int, kernel [2]int, opt tensor.Conv2dOptions) *Conv2d {
	g := max(opt.Groups, 1)
	fanIn := in / g * kernel[0] * kernel[1]
	s := rngs.Params()
	return &Conv2d{
		Weight:  torchDefault(s, fanIn, out, in/g, kernel[0], kernel[1]),
		Bias:    torchDefault(s, fanIn, out),
		Options: opt,
	}
}

// Forward convolves x [N, in, H, W].
func (c *Conv2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.Conv2d(x, c.Weight, c.Bias, c.Options)
}

// ConvTranspose2d is a transposed 2-D convolution (the gradient of Conv2d
// with respect to its input), used to up-sample in decoders and generators.
// Weight is [in, out/groups, kh, kw] as in PyTorch.
type ConvTranspose2d struct {
	Weight  *tensor.Tensor
	Bias    *tensor.Tensor
	Options tensor.ConvTranspose2dOptions
}

// NewConvTranspose2d returns a square-kernel transposed convolution with
// PyTorch's default initialisation.
func NewConvTranspose2d(rngs *Rngs, in, out, kernel, stride, padding, outputPadding int) *ConvTranspose2d {
	return NewConvTranspose2dWith(rngs, in, out, [2]int{kernel, kernel}, tensor.ConvTranspose2dOptions{
		Stride: [2]int{stride, stride}, Padding: [2]int{padding, padding}, OutputPadding: [2]int{outputPadding, outputPadding}})
}

// NewConvTranspose2dWith returns a transposed convolution with full options.
func NewConvTranspose2dWith(rngs *Rngs, in, out int, kernel [2]int, opt tensor.ConvTranspose2dOptions) *ConvTranspose2d {
	g := max(opt.Groups, 1)
	// PyTorch computes fan-in from weight.size(1)·k·k = out/groups·k·k.
	fanIn := out / g * kernel[0] * kernel[1]
	s := rngs.Params()
	return &ConvTranspose2d{
		Weight:  torchDefault(s, fanIn, in, out/g, kernel[0], kernel[1]),
		Bias:    torchDefault(s, fanIn, out),
		Options: opt,
	}
}

// Forward applies the transposed convolution to x [N, in, H, W].
func (c *ConvTranspose2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.ConvTranspose2d(x, c.Weight, c.Bias, c.Options)
}

// Conv1d is a 1-D convolution over [N, C, L] input with weight
// [out, in/groups, k]. Causal convolutions (WaveNet) pad only on the left
// so that output t sees inputs ≤ t.
type Conv1d struct {
	Weight  *tensor.Tensor
	Bias    *tensor.Tensor
	Options tensor.Conv1dOptions
}

// NewConv1d returns a 1-D convolution. With causal set, it pads
// (kernel-1)·dilation on the left and keeps the length; otherwise it pads
// padding on both sides.
func NewConv1d(rngs *Rngs, in, out, kernel, dilation, padding int, causal bool) *Conv1d {
	opt := tensor.Conv1dOptions{Stride: 1, Dilation: dilation, Groups: 1, PadLeft: padding, PadRight: padding}
	if causal {
		opt.PadLeft, opt.PadRight = (kernel-1)*max(dilation, 1), 0
	}
	fanIn := in * kernel
	s := rngs.Params()
	return &Conv1d{Weight: torchDefault(s, fanIn, out, in, kernel), Bias: torchDefault(s, fanIn, out), Options: opt}
}

// Forward convolves x [N, in, L].
func (c *Conv1d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.Conv1d(x, c.Weight, c.Bias, c.Options)
}
