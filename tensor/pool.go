package tensor

import (
	"fmt"

	"github.com/artifex-go/artifex/internal/kernels"
)

// poolGeom describes windows of kh×kw over the planes of x [n, c, h, w],
// stepping by stride from -padding, giving an [n, c, oh, ow] result.
type poolGeom struct {
	n, c, h, w int
	kh, kw     int
	sh, sw     int
	ph, pw     int
	oh, ow     int
}

// newPoolGeom validates a pooling. A zero stride entry means the kernel size
// (PyTorch's default); padding may be at most half the kernel, so that every
// window holds at least one input element.
func newPoolGeom(op string, x *Tensor, kernel, stride, padding [2]int) poolGeom {
	if x.NDim() != 4 {
		panic(fmt.Sprintf("%s: input %v must have rank 4 [N, C, H, W]", op, x.shape))
	}
	p := poolGeom{n: x.shape[0], c: x.shape[1], h: x.shape[2], w: x.shape[3],
		kh: kernel[0], kw: kernel[1], sh: stride[0], sw: stride[1], ph: padding[0], pw: padding[1]}
	if p.sh == 0 {
		p.sh = p.kh
	}
	if p.sw == 0 {
		p.sw = p.kw
	}
	switch {
	case p.kh < 1 || p.kw < 1 || p.sh < 1 || p.sw < 1:
		panic(fmt.Sprintf("%s: kernel %v and stride %v must be positive (input %v)", op, kernel, stride, x.shape))
	case p.ph < 0 || p.pw < 0 || 2*p.ph > p.kh || 2*p.pw > p.kw:
		panic(fmt.Sprintf("%s: padding %v must be between 0 and half the kernel %v (input %v)", op, padding, kernel, x.shape))
	case p.kh > p.h+2*p.ph || p.kw > p.w+2*p.pw:
		panic(fmt.Sprintf("%s: kernel %v is larger than the padded input %dx%d (input %v, padding %v)", op, kernel, p.h+2*p.ph, p.w+2*p.pw, x.shape, padding))
	}
	p.oh = (p.h+2*p.ph-p.kh)/p.sh + 1
	p.ow = (p.w+2*p.pw-p.kw)/p.sw + 1
	return p
}

func (p *poolGeom) inShape() []int  { return []int{p.n, p.c, p.h, p.w} }
func (p *poolGeom) outShape() []int { return []int{p.n, p.c, p.oh, p.ow} }

// window returns the input rows [hlo, hhi) and columns [wlo, whi) that the
// output pixel (oh, ow) covers, clipped to the unpadded input.
func (p *poolGeom) window(oh, ow int) (hlo, hhi, wlo, whi int) {
	hlo, wlo = oh*p.sh-p.ph, ow*p.sw-p.pw
	return max(hlo, 0), min(hlo+p.kh, p.h), max(wlo, 0), min(wlo+p.kw, p.w)
}

// forPlanes runs fn over ranges of the n*c planes in parallel, in chunks
// big enough to pay for a goroutine.
func (p *poolGeom) forPlanes(fn func(lo, hi int)) {
	work := max(p.oh*p.ow*p.kh*p.kw, p.h*p.w)
	kernels.Parallel(p.n*p.c, max(1, 1<<15/work), fn)
}

// MaxPool2d returns the maximum of each kernel window of x [N, C, H, W],
// stepping by stride (a zero entry means the kernel size) over x padded by
// padding on every side; padding never wins. The gradient goes to the
// first maximal element of each window in row-major order, as in PyTorch.
func MaxPool2d(x *Tensor, kernel, stride, padding [2]int) *Tensor {
	p := newPoolGeom("MaxPool2d", x, kernel, stride, padding)
	out := empty(p.outShape())
	// Indices are within the plane, so int32 is enough and halves the memory
	// a training graph keeps for every pooling layer.
	idx := make([]int32, len(out.data))
	hw, ohw := p.h*p.w, p.oh*p.ow
	p.forPlanes(func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			plane := x.data[pl*hw : (pl+1)*hw]
			o, oi := out.data[pl*ohw:(pl+1)*ohw], idx[pl*ohw:(pl+1)*ohw]
			for oh := 0; oh < p.oh; oh++ {
				for ow := 0; ow < p.ow; ow++ {
					hlo, hhi, wlo, whi := p.window(oh, ow)
					best, at := plane[hlo*p.w+wlo], hlo*p.w+wlo
					for ih := hlo; ih < hhi; ih++ {
						for iw := wlo; iw < whi; iw++ {
							// NaN wins, as in PyTorch, so it is not hidden.
							if v := plane[ih*p.w+iw]; v > best || (v != v && best == best) {
								best, at = v, ih*p.w+iw
							}
						}
					}
					o[oh*p.ow+ow], oi[oh*p.ow+ow] = best, int32(at)
				}
			}
		}
	})
	return record(out, "MaxPool2d", func(g *Tensor) []*Tensor {
		return []*Tensor{maxPoolScatter(g, idx, p)}
	}, x)
}

// maxPoolScatter adds each element of g [N, C, OH, OW] to the input
// position its window's maximum came from: MaxPool2d's input gradient.
func maxPoolScatter(g *Tensor, idx []int32, p poolGeom) *Tensor {
	out := empty(p.inShape())
	hw, ohw := p.h*p.w, p.oh*p.ow
	p.forPlanes(func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			dst := out.data[pl*hw : (pl+1)*hw]
			for i, v := range g.data[pl*ohw : (pl+1)*ohw] {
				dst[idx[pl*ohw+i]] += v
			}
		}
	})
	return record(out, "MaxPool2dBackward", func(gg *Tensor) []*Tensor {
		return []*Tensor{maxPoolGather(gg, idx, p)}
	}, g)
}

// maxPoolGather picks the recorded window maxima's positions out of x: the
// adjoint of maxPoolScatter.
func maxPoolGather(x *Tensor, idx []int32, p poolGeom) *Tensor {
	out := empty(p.outShape())
	hw, ohw := p.h*p.w, p.oh*p.ow
	p.forPlanes(func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			src := x.data[pl*hw : (pl+1)*hw]
			for i, at := range idx[pl*ohw : (pl+1)*ohw] {
				out.data[pl*ohw+i] = src[at]
			}
		}
	})
	return record(out, "MaxPool2dGather", func(g *Tensor) []*Tensor {
		return []*Tensor{maxPoolScatter(g, idx, p)}
	}, x)
}

// AvgPool2d returns the mean of each kernel window of x [N, C, H, W],
// stepping by stride (a zero entry means the kernel size) over x padded by
// padding zeros on every side. Padding counts towards the divisor, which is
// always kh*kw: PyTorch's default count_include_pad=True.
func AvgPool2d(x *Tensor, kernel, stride, padding [2]int) *Tensor {
	p := newPoolGeom("AvgPool2d", x, kernel, stride, padding)
	return windowSum(x, p, 1/float32(p.kh*p.kw))
}

// windowSum returns scale times the sum of each window of x.
func windowSum(x *Tensor, p poolGeom, scale float32) *Tensor {
	out := empty(p.outShape())
	hw, ohw := p.h*p.w, p.oh*p.ow
	p.forPlanes(func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			plane := x.data[pl*hw : (pl+1)*hw]
			o := out.data[pl*ohw : (pl+1)*ohw]
			for oh := 0; oh < p.oh; oh++ {
				for ow := 0; ow < p.ow; ow++ {
					hlo, hhi, wlo, whi := p.window(oh, ow)
					var s float32
					for ih := hlo; ih < hhi; ih++ {
						for _, v := range plane[ih*p.w+wlo : ih*p.w+whi] {
							s += v
						}
					}
					o[oh*p.ow+ow] = s * scale
				}
			}
		}
	})
	return record(out, "WindowSum", func(g *Tensor) []*Tensor {
		return []*Tensor{windowSumAdjoint(g, p, scale)}
	}, x)
}

// windowSumAdjoint spreads scale times each element of g over its window:
// the adjoint of windowSum, so AvgPool2d's gradient and, for windows that
// tile the output, nearest-neighbour upsampling.
func windowSumAdjoint(g *Tensor, p poolGeom, scale float32) *Tensor {
	var out *Tensor
	if p.tiles() {
		out = spreadTiles(g, p, scale)
	} else {
		out = addWindows(g, p, scale)
	}
	return record(out, "WindowSumAdjoint", func(gg *Tensor) []*Tensor {
		return []*Tensor{windowSum(gg, p, scale)}
	}, g)
}

// addWindows is windowSumAdjoint for any windows: each value of g, times
// scale, is added over its window of a zeroed plane.
func addWindows(g *Tensor, p poolGeom, scale float32) *Tensor {
	out := empty(p.inShape())
	hw, ohw := p.h*p.w, p.oh*p.ow
	p.forPlanes(func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			plane := out.data[pl*hw : (pl+1)*hw]
			src := g.data[pl*ohw : (pl+1)*ohw]
			for oh := 0; oh < p.oh; oh++ {
				for ow := 0; ow < p.ow; ow++ {
					hlo, hhi, wlo, whi := p.window(oh, ow)
					v := src[oh*p.ow+ow] * scale
					for ih := hlo; ih < hhi; ih++ {
						d := plane[ih*p.w+wlo : ih*p.w+whi]
						for i := range d {
							d[i] += v
						}
					}
				}
			}
		}
	})
	return out
}

// tiles reports whether p's windows tile the input exactly: no padding,
// stride equal to the kernel, and nothing left over at the edges, as for
// nearest upsampling and the gradient of an average pool over blocks.
func (p *poolGeom) tiles() bool {
	return p.ph == 0 && p.pw == 0 && p.sh == p.kh && p.sw == p.kw && p.h == p.oh*p.kh && p.w == p.ow*p.kw
}

// spreadTiles is windowSumAdjoint for windows that tile the input: each
// output row of a tile is the input row with every value repeated kw
// times, written once and copied for the tile's other rows. The scattered
// adds into a zeroed plane, window by window, were 6 % of a UNet forward.
func spreadTiles(g *Tensor, p poolGeom, scale float32) *Tensor {
	out := uninit(p.inShape())
	hw, ohw := p.h*p.w, p.oh*p.ow
	p.forPlanes(func(lo, hi int) {
		for pl := lo; pl < hi; pl++ {
			plane := out.data[pl*hw : (pl+1)*hw]
			src := g.data[pl*ohw : (pl+1)*ohw]
			for oh := range p.oh {
				row := plane[oh*p.kh*p.w:][:p.w]
				in := src[oh*p.ow:][:p.ow]
				switch {
				case p.kw == 2:
					for ow, v := range in {
						v *= scale
						row[2*ow], row[2*ow+1] = v, v
					}
				default:
					for ow, v := range in {
						v *= scale
						for i := range p.kw {
							row[ow*p.kw+i] = v
						}
					}
				}
				for r := 1; r < p.kh; r++ {
					copy(plane[(oh*p.kh+r)*p.w:][:p.w], row)
				}
			}
		}
	})
	return out
}
