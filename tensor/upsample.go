package tensor

import (
	"fmt"

	"github.com/artifex-go/artifex/internal/kernels"
)

// UpsampleNearest2d repeats every pixel of x [N, C, H, W] scaleH times
// vertically and scaleW times horizontally, giving [N, C, H*scaleH,
// W*scaleW] (PyTorch's nearest mode with integer scale factors).
func UpsampleNearest2d(x *Tensor, scaleH, scaleW int) *Tensor {
	if x.NDim() != 4 || scaleH < 1 || scaleW < 1 {
		panic(fmt.Sprintf("UpsampleNearest2d: input %v must be [N, C, H, W] and scales %dx%d positive", x.shape, scaleH, scaleW))
	}
	// Nearest upsampling spreads each pixel over a tile of the output: the
	// adjoint of summing non-overlapping windows, whose adjoint in turn is
	// the gradient.
	p := poolGeom{n: x.shape[0], c: x.shape[1], h: x.shape[2] * scaleH, w: x.shape[3] * scaleW,
		kh: scaleH, kw: scaleW, sh: scaleH, sw: scaleW, oh: x.shape[2], ow: x.shape[3]}
	return windowSumAdjoint(x, p, 1)
}

// UpsampleBilinear2d resizes x [N, C, H, W] to [N, C, outH, outW] by
// bilinear interpolation with PyTorch's semantics. With alignCorners the
// corner pixels of input and output coincide and output pixel i samples
// input position i*(H-1)/(outH-1). Without it pixels are areas: output
// pixel i samples (i+0.5)*H/outH - 0.5, clamped at 0, and the last input
// pixel repeats beyond the edge.
func UpsampleBilinear2d(x *Tensor, outH, outW int, alignCorners bool) *Tensor {
	if x.NDim() != 4 || outH < 1 || outW < 1 {
		panic(fmt.Sprintf("UpsampleBilinear2d: input %v must be [N, C, H, W] and output size %dx%d positive", x.shape, outH, outW))
	}
	b := &bilinear{
		n: x.shape[0], c: x.shape[1], h: x.shape[2], w: x.shape[3], oh: outH, ow: outW,
		rows: lerpTable(x.shape[2], outH, alignCorners),
		cols: lerpTable(x.shape[3], outW, alignCorners),
	}
	return b.forward(x)
}

// lerp is where one output coordinate samples the input: weight l0 at i0
// and l1 at i1.
type lerp struct {
	i0, i1 int
	l0, l1 float32
}

func lerpTable(in, out int, alignCorners bool) []lerp {
	var scale float32
	switch {
	case alignCorners && out > 1:
		scale = float32(in-1) / float32(out-1)
	case !alignCorners:
		scale = float32(in) / float32(out)
	}
	t := make([]lerp, out)
	for i := range t {
		src := scale * float32(i)
		if !alignCorners {
			src = max(scale*(float32(i)+0.5)-0.5, 0)
		}
		i0 := min(int(src), in-1)
		l1 := min(max(src-float32(i0), 0), 1)
		t[i] = lerp{i0: i0, i1: min(i0+1, in-1), l0: 1 - l1, l1: l1}
	}
	return t
}

// bilinear is one resize, shared by the forward op and its adjoint.
type bilinear struct {
	n, c, h, w, oh, ow int
	rows, cols         []lerp
}

func (b *bilinear) forPlanes(fn func(lo, hi int)) {
	kernels.Parallel(b.n*b.c, max(1, 1<<15/(b.oh*b.ow+b.h*b.w)), fn)
}

func (b *bilinear) forward(x *Tensor) *Tensor {
	out := empty([]int{b.n, b.c, b.oh, b.ow})
	hw, ohw := b.h*b.w, b.oh*b.ow
	b.forPlanes(func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			plane := x.data[pl*hw : (pl+1)*hw]
			o := out.data[pl*ohw : (pl+1)*ohw]
			for i, r := range b.rows {
				r0, r1 := plane[r.i0*b.w:][:b.w], plane[r.i1*b.w:][:b.w]
				dst := o[i*b.ow : (i+1)*b.ow]
				for j, c := range b.cols {
					dst[j] = r.l0*(c.l0*r0[c.i0]+c.l1*r0[c.i1]) + r.l1*(c.l0*r1[c.i0]+c.l1*r1[c.i1])
				}
			}
		}
	})
	return record(out, "UpsampleBilinear2d", func(g *Tensor) []*Tensor {
		return []*Tensor{b.adjoint(g)}
	}, x)
}

// adjoint spreads each output pixel's gradient over the four input pixels
// it was interpolated from.
func (b *bilinear) adjoint(g *Tensor) *Tensor {
	out := empty([]int{b.n, b.c, b.h, b.w})
	hw, ohw := b.h*b.w, b.oh*b.ow
	b.forPlanes(func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			plane := out.data[pl*hw : (pl+1)*hw]
			src := g.data[pl*ohw : (pl+1)*ohw]
			for i, r := range b.rows {
				r0, r1 := plane[r.i0*b.w:][:b.w], plane[r.i1*b.w:][:b.w]
				s := src[i*b.ow : (i+1)*b.ow]
				for j, c := range b.cols {
					v0, v1 := r.l0*s[j], r.l1*s[j]
					r0[c.i0] += c.l0 * v0
					r0[c.i1] += c.l1 * v0
					r1[c.i0] += c.l0 * v1
					r1[c.i1] += c.l1 * v1
				}
			}
		}
	})
	return record(out, "UpsampleBilinear2dBackward", func(gg *Tensor) []*Tensor {
		return []*Tensor{b.forward(gg)}
	}, g)
}
