package tensor

import (
	"fmt"

	"github.com/artifex-go/artifex/internal/kernels"
)

// Conv2dOptions configures Conv2d. The zero value means stride 1, no
// padding, dilation 1 and one group; a zero entry in Stride or Dilation also
// means 1, so only the entries that matter need setting.
type Conv2dOptions struct {
	Stride   [2]int // vertical, horizontal step between windows
	Padding  [2]int // zeros added on both sides of height and width
	Dilation [2]int // spacing between kernel taps
	Groups   int    // input and output channels split into this many independent groups
}

// Conv1dOptions configures Conv1d. The zero value means stride 1, no
// padding, dilation 1 and one group. Padding is given per side so that a
// causal convolution is PadLeft = (kernel-1)*dilation, PadRight = 0.
type Conv1dOptions struct {
	Stride, Dilation, Groups int
	PadLeft, PadRight        int
}

// ConvTranspose2dOptions configures ConvTranspose2d, the adjoint of Conv2d
// with the same Stride, Padding, Dilation and Groups. OutputPadding adds rows
// and columns at the bottom and right of the output, to pick among the
// output sizes that a strided Conv2d maps to the same input size; each entry
// must be smaller than the stride or the dilation of its axis.
type ConvTranspose2dOptions struct {
	Stride, Padding, OutputPadding, Dilation [2]int
	Groups                                   int
}

// Conv2d returns the 2-D cross-correlation of x [N, C, H, W] with the
// weight w [O, C/groups, kh, kw], plus bias [O] when bias is not nil, as
// PyTorch's conv2d computes it. The result is [N, O, OH, OW] with
// OH = (H + 2*padding - dilation*(kh-1) - 1)/stride + 1, and likewise OW.
func Conv2d(x, w, bias *Tensor, opt Conv2dOptions) *Tensor {
	const op = "Conv2d"
	if x.NDim() != 4 || w.NDim() != 4 {
		panic(fmt.Sprintf("%s: input %v and weight %v must both have rank 4 ([N, C, H, W] and [O, C/groups, kh, kw])", op, x.shape, w.shape))
	}
	p := newConvGeom(op, x.shape, w.shape, x.shape[0], x.shape[1], x.shape[2], x.shape[3], w.shape,
		[2]int{opt.Stride[0], opt.Stride[1]}, [4]int{opt.Padding[0], opt.Padding[0], opt.Padding[1], opt.Padding[1]},
		opt.Dilation, opt.Groups)
	p.setNaturalOutput(op, x.shape, w.shape)
	checkBias(op, bias, p.O)
	return convForward(x, w, bias, p)
}

// Conv1d returns the 1-D cross-correlation of x [N, C, L] with the weight
// w [O, C/groups, k], plus bias [O] when bias is not nil. The result is
// [N, O, (L + PadLeft + PadRight - dilation*(k-1) - 1)/stride + 1].
func Conv1d(x, w, bias *Tensor, opt Conv1dOptions) *Tensor {
	const op = "Conv1d"
	if x.NDim() != 3 || w.NDim() != 3 {
		panic(fmt.Sprintf("%s: input %v and weight %v must both have rank 3 ([N, C, L] and [O, C/groups, k])", op, x.shape, w.shape))
	}
	// A 1-D convolution is a 2-D one over a height-1 image; the reshapes
	// share storage and are differentiable, so nothing is copied.
	w4 := []int{w.shape[0], w.shape[1], 1, w.shape[2]}
	p := newConvGeom(op, x.shape, w.shape, x.shape[0], x.shape[1], 1, x.shape[2], w4,
		[2]int{1, opt.Stride}, [4]int{0, 0, opt.PadLeft, opt.PadRight}, [2]int{1, opt.Dilation}, opt.Groups)
	p.setNaturalOutput(op, x.shape, w.shape)
	checkBias(op, bias, p.O)
	y := convForward(Reshape(x, p.N, p.C, 1, p.W), Reshape(w, w4...), bias, p)
	return Reshape(y, p.N, p.O, p.OW)
}

// ConvTranspose2d returns the transposed convolution of x [N, Cin, H, W]
// with the weight w [Cin, Cout/groups, kh, kw], plus bias [Cout] when bias is
// not nil: the gradient of Conv2d with respect to its input, as PyTorch's
// conv_transpose2d computes it. The result is [N, Cout, OH, OW] with
// OH = (H-1)*stride - 2*padding + dilation*(kh-1) + output_padding + 1.
func ConvTranspose2d(x, w, bias *Tensor, opt ConvTranspose2dOptions) *Tensor {
	const op = "ConvTranspose2d"
	if x.NDim() != 4 || w.NDim() != 4 {
		panic(fmt.Sprintf("%s: input %v and weight %v must both have rank 4 ([N, Cin, H, W] and [Cin, Cout/groups, kh, kw])", op, x.shape, w.shape))
	}
	groups := opt.Groups
	if groups == 0 {
		groups = 1
	}
	if x.shape[1] != w.shape[0] {
		panic(fmt.Sprintf("%s: input %v has %d channels but weight %v expects %d", op, x.shape, x.shape[1], w.shape, w.shape[0]))
	}
	// In the adjoint view the output is the convolution's input (Cout
	// channels) and x is the convolution's output (Cin channels).
	cout := w.shape[1] * groups
	var size [2]int
	for i, in := range [2]int{x.shape[2], x.shape[3]} {
		s, d := max(opt.Stride[i], 1), max(opt.Dilation[i], 1)
		pad, extra := opt.Padding[i], opt.OutputPadding[i]
		if extra < 0 || (extra >= s && extra >= d) {
			panic(fmt.Sprintf("%s: output padding %v must be smaller than stride %v or dilation %v (input %v, weight %v)", op, opt.OutputPadding, opt.Stride, opt.Dilation, x.shape, w.shape))
		}
		size[i] = (in-1)*s - 2*pad + d*(w.shape[2+i]-1) + extra + 1
		if size[i] < 1 {
			panic(fmt.Sprintf("%s: output size %v is empty (input %v, weight %v, stride %v, padding %v, dilation %v)", op, size, x.shape, w.shape, opt.Stride, opt.Padding, opt.Dilation))
		}
	}
	p := newConvGeom(op, x.shape, w.shape, x.shape[0], cout, size[0], size[1], w.shape,
		opt.Stride, [4]int{opt.Padding[0], opt.Padding[0], opt.Padding[1], opt.Padding[1]}, opt.Dilation, groups)
	// With output_padding, convolving the output can give more rows and
	// columns than x has; the adjoint involves only the first H×W of them.
	p.OH, p.OW = x.shape[2], x.shape[3]
	checkBias(op, bias, cout)
	return convInputGrad(x, w, bias, p)
}

// convGeom is a convolution's geometry, as the kernels describe it, with the
// checks and shapes that the ops need around it.
type convGeom struct{ kernels.Conv }

// newConvGeom validates a convolution and fills its geometry except for the
// output size. xs and ws are the shapes as the caller passed them, for
// messages.
func newConvGeom(op string, xs, ws []int, n, c, h, w int, w4 []int, stride [2]int, pad [4]int, dil [2]int, groups int) convGeom {
	if groups == 0 {
		groups = 1
	}
	p := convGeom{kernels.Conv{
		N: n, C: c, H: h, W: w, O: w4[0], KH: w4[2], KW: w4[3],
		SH: max(stride[0], 1), SW: max(stride[1], 1),
		PT: pad[0], PB: pad[1], PL: pad[2], PR: pad[3],
		DH: max(dil[0], 1), DW: max(dil[1], 1), G: groups,
	}}
	switch {
	case groups < 0 || stride[0] < 0 || stride[1] < 0 || dil[0] < 0 || dil[1] < 0:
		panic(fmt.Sprintf("%s: negative stride %v, dilation %v or groups %d (input %v, weight %v)", op, stride, dil, groups, xs, ws))
	case pad[0] < 0 || pad[1] < 0 || pad[2] < 0 || pad[3] < 0:
		panic(fmt.Sprintf("%s: negative padding (input %v, weight %v)", op, xs, ws))
	case c%groups != 0 || p.O%groups != 0:
		panic(fmt.Sprintf("%s: channels %d and %d must be divisible by groups %d (input %v, weight %v)", op, c, p.O, groups, xs, ws))
	case w4[1] != c/groups:
		panic(fmt.Sprintf("%s: weight %v expects %d input channels per group, input %v with %d groups has %d", op, ws, w4[1], xs, groups, c/groups))
	case p.KH < 1 || p.KW < 1 || p.O < 1:
		panic(fmt.Sprintf("%s: empty weight %v", op, ws))
	}
	return p
}

// setNaturalOutput sets the output size from the input size, panicking when
// the dilated kernel does not fit the padded input.
func (p *convGeom) setNaturalOutput(op string, xs, ws []int) {
	eh, ew := p.DH*(p.KH-1)+1, p.DW*(p.KW-1)+1
	ph, pw := p.H+p.PT+p.PB, p.W+p.PL+p.PR
	if eh > ph || ew > pw {
		panic(fmt.Sprintf("%s: kernel %dx%d (dilated %dx%d) is larger than the padded input %dx%d (input %v, weight %v)", op, p.KH, p.KW, eh, ew, ph, pw, xs, ws))
	}
	p.OH, p.OW = (ph-eh)/p.SH+1, (pw-ew)/p.SW+1
}

func checkBias(op string, b *Tensor, n int) {
	if b != nil && (b.NDim() != 1 || b.shape[0] != n) {
		panic(fmt.Sprintf("%s: bias %v must be [%d]", op, b.shape, n))
	}
}

func (p *convGeom) xShape() []int { return []int{p.N, p.C, p.H, p.W} }
func (p *convGeom) yShape() []int { return []int{p.N, p.O, p.OH, p.OW} }
func (p *convGeom) wShape() []int { return []int{p.O, p.C / p.G, p.KH, p.KW} }

// convForward is Conv2d on a validated geometry; bias may be nil.
func convForward(x, w, b *Tensor, p convGeom) *Tensor {
	out := uninit(p.yShape())
	var bd []float32
	if b != nil {
		bd = b.data
	}
	p.Forward(x.data, w.data, bd, out.data)
	return record(out, "Conv2d", func(g *Tensor) []*Tensor {
		var gx, gw, gb *Tensor
		if x.requiresGrad {
			gx = convInputGrad(g, w, nil, p)
		}
		if w.requiresGrad {
			gw = convWeightGrad(x, g, p)
		}
		if b != nil && b.requiresGrad {
			gb = channelSum(g)
		}
		return []*Tensor{gx, gw, gb}
	}, x, w, b)
}

// convInputGrad maps g, shaped like the convolution's output, back to the
// input's shape with the adjoint of convolving by w, and adds b per channel
// when it is not nil. It is both the input gradient of Conv2d and the
// forward of ConvTranspose2d.
func convInputGrad(g, w, b *Tensor, p convGeom) *Tensor {
	out := uninit(p.xShape())
	var bd []float32
	if b != nil {
		bd = b.data
	}
	p.Adjoint(g.data, w.data, bd, out.data)
	return record(out, "ConvTranspose2d", func(gg *Tensor) []*Tensor {
		var dg, dw, db *Tensor
		if g.requiresGrad {
			dg = convForward(gg, w, nil, p)
		}
		if w.requiresGrad {
			dw = convWeightGrad(gg, g, p)
		}
		if b != nil && b.requiresGrad {
			db = channelSum(gg)
		}
		return []*Tensor{dg, dw, db}
	}, g, w, b)
}

// convWeightGrad returns the gradient of <g, conv(x, w)> with respect to w.
// It is bilinear in x and g, and its own gradients are the convolution and
// its adjoint applied with the incoming gradient as the weight.
func convWeightGrad(x, g *Tensor, p convGeom) *Tensor {
	out := uninit(p.wShape())
	p.WeightGrad(x.data, g.data, out.data)
	return record(out, "Conv2dWeightGrad", func(gw *Tensor) []*Tensor {
		var dx, dg *Tensor
		if x.requiresGrad {
			dx = convInputGrad(g, gw, nil, p)
		}
		if g.requiresGrad {
			dg = convForward(x, gw, nil, p)
		}
		return []*Tensor{dx, dg}
	}, x, g)
}

// channelSum sums an [N, C, H, W] tensor to [C], the gradient of a
// per-channel bias.
func channelSum(g *Tensor) *Tensor {
	n, c := g.shape[0], g.shape[1]
	hw := g.shape[2] * g.shape[3]
	out := empty([]int{c})
	for i := 0; i < n; i++ {
		for j := 0; j < c; j++ {
			out.data[j] += kernels.Sum(g.data[(i*c+j)*hw:][:hw])
		}
	}
	return record(out, "ChannelSum", func(gg *Tensor) []*Tensor {
		return []*Tensor{Expand(Reshape(gg, 1, c, 1, 1), g.shape)}
	}, g)
}
