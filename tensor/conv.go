package tensor

import (
	"fmt"
	"math/bits"
	"sync"

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
	checkBias(op, bias, p.o)
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
	checkBias(op, bias, p.o)
	y := convForward(Reshape(x, p.n, p.c, 1, p.w), Reshape(w, w4...), bias, p)
	return Reshape(y, p.n, p.o, p.ow)
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
	p.oh, p.ow = x.shape[2], x.shape[3]
	checkBias(op, bias, cout)
	return convInputGrad(x, w, bias, p)
}

// convGeom is everything the kernels need to know about one convolution,
// always described in the forward (Conv2d) direction: x [n, c, h, w] is
// convolved with a weight [o, c/g, kh, kw] into [n, o, oh, ow].
type convGeom struct {
	n, c, h, w int
	o, kh, kw  int
	oh, ow     int
	sh, sw     int
	pt, pb     int // padding above and below
	pl, pr     int // padding left and right
	dh, dw     int
	g          int
}

// newConvGeom validates a convolution and fills its geometry except for the
// output size. xs and ws are the shapes as the caller passed them, for
// messages.
func newConvGeom(op string, xs, ws []int, n, c, h, w int, w4 []int, stride [2]int, pad [4]int, dil [2]int, groups int) convGeom {
	if groups == 0 {
		groups = 1
	}
	p := convGeom{
		n: n, c: c, h: h, w: w, o: w4[0], kh: w4[2], kw: w4[3],
		sh: max(stride[0], 1), sw: max(stride[1], 1),
		pt: pad[0], pb: pad[1], pl: pad[2], pr: pad[3],
		dh: max(dil[0], 1), dw: max(dil[1], 1), g: groups,
	}
	switch {
	case groups < 0 || stride[0] < 0 || stride[1] < 0 || dil[0] < 0 || dil[1] < 0:
		panic(fmt.Sprintf("%s: negative stride %v, dilation %v or groups %d (input %v, weight %v)", op, stride, dil, groups, xs, ws))
	case pad[0] < 0 || pad[1] < 0 || pad[2] < 0 || pad[3] < 0:
		panic(fmt.Sprintf("%s: negative padding (input %v, weight %v)", op, xs, ws))
	case c%groups != 0 || p.o%groups != 0:
		panic(fmt.Sprintf("%s: channels %d and %d must be divisible by groups %d (input %v, weight %v)", op, c, p.o, groups, xs, ws))
	case w4[1] != c/groups:
		panic(fmt.Sprintf("%s: weight %v expects %d input channels per group, input %v with %d groups has %d", op, ws, w4[1], xs, groups, c/groups))
	case p.kh < 1 || p.kw < 1 || p.o < 1:
		panic(fmt.Sprintf("%s: empty weight %v", op, ws))
	}
	return p
}

// setNaturalOutput sets the output size from the input size, panicking when
// the dilated kernel does not fit the padded input.
func (p *convGeom) setNaturalOutput(op string, xs, ws []int) {
	eh, ew := p.dh*(p.kh-1)+1, p.dw*(p.kw-1)+1
	ph, pw := p.h+p.pt+p.pb, p.w+p.pl+p.pr
	if eh > ph || ew > pw {
		panic(fmt.Sprintf("%s: kernel %dx%d (dilated %dx%d) is larger than the padded input %dx%d (input %v, weight %v)", op, p.kh, p.kw, eh, ew, ph, pw, xs, ws))
	}
	p.oh, p.ow = (ph-eh)/p.sh+1, (pw-ew)/p.sw+1
}

func checkBias(op string, b *Tensor, n int) {
	if b != nil && (b.NDim() != 1 || b.shape[0] != n) {
		panic(fmt.Sprintf("%s: bias %v must be [%d]", op, b.shape, n))
	}
}

func (p *convGeom) xShape() []int { return []int{p.n, p.c, p.h, p.w} }
func (p *convGeom) yShape() []int { return []int{p.n, p.o, p.oh, p.ow} }
func (p *convGeom) wShape() []int { return []int{p.o, p.c / p.g, p.kh, p.kw} }

// colRows is the reduction length of each group's GEMM: the taps of one
// output pixel.
func (p *convGeom) colRows() int { return p.c / p.g * p.kh * p.kw }

// direct reports whether a sample's group slice is already its im2col
// matrix, as for 1×1 stride-1 unpadded convolutions.
func (p *convGeom) direct() bool {
	return p.kh == 1 && p.kw == 1 && p.sh == 1 && p.sw == 1 && p.pt == 0 && p.pl == 0 && p.oh == p.h && p.ow == p.w
}

// convForward is Conv2d on a validated geometry; bias may be nil.
func convForward(x, w, b *Tensor, p convGeom) *Tensor {
	out := empty(p.yShape())
	var bd []float32
	if b != nil {
		bd = b.data
	}
	convForwardData(&p, x.data, w.data, bd, out.data)
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
	out := empty(p.xShape())
	var bd []float32
	if b != nil {
		bd = b.data
	}
	convInputGradData(&p, g.data, w.data, bd, out.data)
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
	out := empty(p.wShape())
	convWeightGradData(&p, x.data, g.data, out.data)
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
			out.data[j] += sum32(g.data[(i*c+j)*hw:][:hw])
		}
	}
	return record(out, "ChannelSum", func(gg *Tensor) []*Tensor {
		return []*Tensor{Expand(Reshape(gg, 1, c, 1, 1), g.shape)}
	}, g)
}

// sum32 adds s with four accumulators, so the additions do not wait on
// each other.
func sum32(s []float32) float32 {
	var a, b, c, d float32
	i := 0
	for ; i+4 <= len(s); i += 4 {
		q := s[i : i+4 : i+4]
		a += q[0]
		b += q[1]
		c += q[2]
		d += q[3]
	}
	for ; i < len(s); i++ {
		a += s[i]
	}
	return (a + b) + (c + d)
}

// batchChunks splits the batch into at most Threads() contiguous ranges.
// Each sample's GEMM is small for typical image sizes (tens of output
// channels), and splitting the batch also runs im2col and col2im in
// parallel, which a multi-core Sgemm alone would leave serial.
func batchChunks(n int) int { return max(min(kernels.Threads(), n), 1) }

// forChunks runs fn over the chunks of the batch in parallel; chunk is the
// range's index, so per-chunk partial results can be combined in a fixed
// order and stay bit-reproducible.
func forChunks(n int, fn func(chunk, lo, hi int)) {
	k := batchChunks(n)
	kernels.Parallel(k, 1, func(clo, chi int) {
		for c := clo; c < chi; c++ {
			fn(c, c*n/k, (c+1)*n/k)
		}
	})
}

// flipCheaper reports whether the stride-1 convolution p is better done
// through its flipped geometry: with fewer output than input channels, the
// flipped geometry's column matrices (o·kh·kw rows) are smaller than p's own
// (c·kh·kw rows), as for the narrow last layer of a coupling network, whose
// im2col would otherwise copy a wide hidden tensor nine times.
func (p *convGeom) flipCheaper() bool {
	return p.sh == 1 && p.sw == 1 && !p.direct() && p.o < p.c
}

func convForwardData(p *convGeom, x, w, b, y []float32) {
	if p.flipCheaper() {
		// The convolution is the adjoint of the flipped one: one GEMM
		// into an o·kh·kw-row column matrix, then col2im's shifted adds.
		q := p.flipped()
		wf := getScratch(len(w))
		defer putScratch(wf)
		flipKernel(p, w, *wf)
		adjointData(&q, x, *wf, b, y)
		return
	}
	cg, og, k := p.c/p.g, p.o/p.g, p.colRows()
	hw, ohw := p.h*p.w, p.oh*p.ow
	forChunks(p.n, func(_, lo, hi int) {
		nb := p.samplesPerGemm(hi - lo)
		col, freeCol := scratchIf(!p.direct() || nb > 1, k*nb*ohw)
		defer freeCol()
		out, freeOut := scratchIf(nb > 1, og*nb*ohw)
		defer freeOut()
		for n0 := lo; n0 < hi; n0 += nb {
			m := min(nb, hi-n0)
			ld := m * ohw
			for gi := 0; gi < p.g; gi++ {
				src := x[(n0*p.c+gi*cg)*hw:][:cg*hw]
				if col != nil {
					p.columns(x, n0, m, gi, col)
					src = col
				}
				if m == 1 {
					ys := y[(n0*p.o+gi*og)*ohw:][:og*ohw]
					var beta float32
					if b != nil {
						// Starting from the bias and accumulating saves
						// a separate pass over the output.
						for o := 0; o < og; o++ {
							fill(ys[o*ohw:(o+1)*ohw], b[gi*og+o])
						}
						beta = 1
					}
					kernels.Sgemm(false, false, og, ohw, k, 1, w[gi*og*k:], k, src, ohw, beta, ys, ohw)
					continue
				}
				var beta float32
				if b != nil {
					for o := 0; o < og; o++ {
						fill(out[o*ld:][:ld], b[gi*og+o])
					}
					beta = 1
				}
				kernels.Sgemm(false, false, og, ld, k, 1, w[gi*og*k:], k, src, ld, beta, out, ld)
				for j := range m {
					ys := y[((n0+j)*p.o+gi*og)*ohw:][:og*ohw]
					for o := 0; o < og; o++ {
						copy(ys[o*ohw:][:ohw], out[o*ld+j*ohw:][:ohw])
					}
				}
			}
		}
	})
}

// samplesPerGemm returns how many samples of a chunk of n one GEMM of p
// takes: their column matrices side by side make one wide matrix, so the
// weight is packed once for all of them and the GEMM's last panel of
// columns, mostly empty for small images, is filled. The matrix is kept
// within about 1 MiB so that it is still in cache when the GEMM reads it.
// Images of 512 pixels or more take one sample: their GEMMs are wide
// already, and the copies in and out of the shared matrices would cost
// more than they save.
func (p *convGeom) samplesPerGemm(n int) int {
	const floats = 1 << 18
	ohw := p.oh * p.ow
	if ohw >= 512 {
		return 1
	}
	rows := max(p.colRows(), p.o/p.g)
	return max(1, min(n, floats/max(rows*ohw, 1)))
}

// columns writes the column matrices of group gi of the m samples of x
// from n0 on side by side into col (row stride m·OH·OW): im2col, or for a
// 1×1 convolution the group's rows themselves.
func (p *convGeom) columns(x []float32, n0, m, gi int, col []float32) {
	cg, hw, ohw := p.c/p.g, p.h*p.w, p.oh*p.ow
	ld := m * ohw
	for j := range m {
		xs := x[((n0+j)*p.c+gi*cg)*hw:][:cg*hw]
		if !p.direct() {
			im2col(p, xs, col[j*ohw:], ld)
			continue
		}
		for r := 0; r < cg; r++ {
			copy(col[r*ld+j*ohw:][:hw], xs[r*hw:][:hw])
		}
	}
}

// scratchIf returns a scratch buffer of n floats and the function that
// gives it back, or, when want is false, nil and a function that does
// nothing.
func scratchIf(want bool, n int) ([]float32, func()) {
	if !want {
		return nil, func() {}
	}
	b := getScratch(n)
	return *b, func() { putScratch(b) }
}

// gatherRows copies og rows of ohw values of m consecutive samples of g
// (sample stride stride) side by side into dst with row stride m·ohw.
func gatherRows(g []float32, stride, og, ohw, m int, dst []float32) {
	ld := m * ohw
	for j := range m {
		gs := g[j*stride:]
		for o := 0; o < og; o++ {
			copy(dst[o*ld+j*ohw:][:ohw], gs[o*ohw:][:ohw])
		}
	}
}

func convInputGradData(p *convGeom, g, w, b, x []float32) {
	if !p.direct() && p.sh == 1 && p.sw == 1 && p.o <= p.c {
		// With stride 1 the adjoint is itself a convolution, of g with the
		// flipped kernel, so im2col's copies replace col2im's scattered
		// adds, on the o·kh·kw-row column matrix of g. (With more output
		// than input channels the col2im below has the smaller matrix.)
		q := p.flipped()
		wf := getScratch(len(w))
		defer putScratch(wf)
		flipKernel(p, w, *wf)
		convForwardData(&q, g, *wf, b, x)
		return
	}
	adjointData(p, g, w, b, x)
}

// adjointData is the adjoint of convolving by w computed directly: one
// GEMM, wᵀ·g, into a column matrix per group of samples, and col2im.
func adjointData(p *convGeom, g, w, b, x []float32) {
	cg, og, k := p.c/p.g, p.o/p.g, p.colRows()
	hw, ohw := p.h*p.w, p.oh*p.ow
	forChunks(p.n, func(_, lo, hi int) {
		nb := 1
		if !p.direct() {
			nb = p.samplesPerGemm(hi - lo)
		}
		col, freeCol := scratchIf(!p.direct(), k*nb*ohw)
		defer freeCol()
		gb, freeG := scratchIf(nb > 1, og*nb*ohw)
		defer freeG()
		for n0 := lo; n0 < hi; n0 += nb {
			m := min(nb, hi-n0)
			ld := m * ohw
			for gi := 0; gi < p.g; gi++ {
				if b != nil {
					for j := range m {
						xs := x[((n0+j)*p.c+gi*cg)*hw:][:cg*hw]
						for c := 0; c < cg; c++ {
							fill(xs[c*hw:(c+1)*hw], b[gi*cg+c])
						}
					}
				}
				gs := g[(n0*p.o+gi*og)*ohw:]
				if col == nil {
					xs := x[(n0*p.c+gi*cg)*hw:][:cg*hw]
					kernels.Sgemm(true, false, k, ohw, og, 1, w[gi*og*k:], k, gs, ohw, 1, xs, hw)
					continue
				}
				if m > 1 {
					gatherRows(gs, p.o*ohw, og, ohw, m, gb)
					gs = gb
				}
				kernels.Sgemm(true, false, k, ld, og, 1, w[gi*og*k:], k, gs, ld, 0, col, ld)
				for j := range m {
					col2im(p, col[j*ohw:], x[((n0+j)*p.c+gi*cg)*hw:][:cg*hw], ld)
				}
			}
		}
	})
}

// flipped returns the geometry of the stride-1 convolution that maps the
// output of p back to its input: channels swap, the output is p's input
// size, and the padding becomes the kernel's reach minus the old padding,
// which may be negative (im2col only uses it as an offset).
func (p *convGeom) flipped() convGeom {
	return convGeom{
		n: p.n, c: p.o, h: p.oh, w: p.ow, o: p.c, kh: p.kh, kw: p.kw, oh: p.h, ow: p.w,
		sh: 1, sw: 1, pt: p.dh*(p.kh-1) - p.pt, pl: p.dw*(p.kw-1) - p.pl,
		dh: p.dh, dw: p.dw, g: p.g,
	}
}

// flipKernel writes the weight of p.flipped(): within each group the
// input and output channels swap and the kernel turns by 180 degrees.
func flipKernel(p *convGeom, w, wf []float32) {
	cg, og, kk := p.c/p.g, p.o/p.g, p.kh*p.kw
	for gi := 0; gi < p.g; gi++ {
		for o := 0; o < og; o++ {
			for c := 0; c < cg; c++ {
				src := w[((gi*og+o)*cg+c)*kk:][:kk]
				dst := wf[((gi*cg+c)*og+o)*kk:][:kk]
				for i, v := range src {
					dst[kk-1-i] = v
				}
			}
		}
	}
}

func convWeightGradData(p *convGeom, x, g, gw []float32) {
	if p.flipCheaper() {
		// The flipped convolution maps g back to x; its weight gradient
		// with the roles of x and g swapped is this one's, flipped, and
		// needs the im2col of g, the narrower tensor.
		q := p.flipped()
		gwf := getScratch(len(gw))
		defer putScratch(gwf)
		convWeightGradData(&q, g, x, *gwf)
		flipKernel(&q, *gwf, gw)
		return
	}
	cg, og, k := p.c/p.g, p.o/p.g, p.colRows()
	hw, ohw := p.h*p.w, p.oh*p.ow
	chunks := batchChunks(p.n)
	// Each chunk sums its samples into its own buffer (the first one into
	// gw itself); the buffers are added in chunk order afterwards.
	parts := make([]*[]float32, chunks)
	forChunks(p.n, func(chunk, lo, hi int) {
		dst := gw
		if chunk > 0 {
			parts[chunk] = getScratch(len(gw))
			dst = *parts[chunk]
		}
		nb := p.samplesPerGemm(hi - lo)
		col, freeCol := scratchIf(!p.direct() || nb > 1, k*nb*ohw)
		defer freeCol()
		gb, freeG := scratchIf(nb > 1, og*nb*ohw)
		defer freeG()
		for n0 := lo; n0 < hi; n0 += nb {
			m := min(nb, hi-n0)
			ld := m * ohw
			var beta float32
			if n0 > lo {
				beta = 1
			}
			for gi := 0; gi < p.g; gi++ {
				src := x[(n0*p.c+gi*cg)*hw:][:cg*hw]
				if col != nil {
					p.columns(x, n0, m, gi, col)
					src = col
				}
				gs := g[(n0*p.o+gi*og)*ohw:]
				if m > 1 {
					gatherRows(gs, p.o*ohw, og, ohw, m, gb)
					gs = gb
				}
				kernels.Sgemm(false, true, og, k, ld, 1, gs, ld, src, ld, beta, dst[gi*og*k:], k)
			}
		}
	})
	for _, part := range parts[1:] {
		for i, v := range (*part)[:len(gw)] {
			gw[i] += v
		}
		putScratch(part)
	}
}

// fill sets every element of s to v by doubling copies, which run at
// memmove speed where a plain loop would store one float at a time.
func fill(s []float32, v float32) {
	if len(s) == 0 {
		return
	}
	s[0] = v
	for n := 1; n < len(s); n *= 2 {
		copy(s[n:], s[:n])
	}
}

// validRange returns the output positions [lo, hi) among n whose input
// position i*stride + off lies in [0, size).
func validRange(off, stride, size, n int) (lo, hi int) {
	if off < 0 {
		lo = (-off + stride - 1) / stride
	}
	if last := size - 1 - off; last >= 0 {
		hi = min(last/stride+1, n)
	}
	return min(lo, hi), hi
}

// im2col writes the taps of every output pixel of one sample's group slice
// xs [C/g, H, W] into the C/g*kh*kw rows of OH*OW values of col, row
// stride ld, zeros where a tap falls in the padding.
func im2col(p *convGeom, xs, col []float32, ld int) {
	hw, ohw := p.h*p.w, p.oh*p.ow
	row := 0
	for c := 0; c < p.c/p.g; c++ {
		plane := xs[c*hw : (c+1)*hw]
		for ki := 0; ki < p.kh; ki++ {
			offH := ki*p.dh - p.pt
			hlo, hhi := validRange(offH, p.sh, p.h, p.oh)
			for kj := 0; kj < p.kw; kj++ {
				offW := kj*p.dw - p.pl
				wlo, whi := validRange(offW, p.sw, p.w, p.ow)
				dst := col[row*ld:][:ohw]
				row++
				clear(dst[:hlo*p.ow])
				clear(dst[hhi*p.ow:])
				if p.sameRows() {
					// Output and input rows line up, so the tap's whole
					// plane is one shifted copy; the entries that wrapped
					// around a row edge belong to the padding.
					lo, hi := hlo*p.ow, hhi*p.ow
					off := offH*p.w + offW
					lo, hi = max(lo, -off), min(hi, hw-off)
					if lo < hi { // a tap may see no pixel of a tiny plane
						copy(dst[lo:hi], plane[lo+off:hi+off])
					}
					zeroColumns(dst, p.ow, hlo, hhi, wlo, whi)
					continue
				}
				for oh := hlo; oh < hhi; oh++ {
					d := dst[oh*p.ow : (oh+1)*p.ow]
					src := plane[(oh*p.sh+offH)*p.w:][:p.w]
					clear(d[:wlo])
					clear(d[whi:])
					if p.sw == 1 {
						copy(d[wlo:whi], src[wlo+offW:whi+offW])
						continue
					}
					for ow := wlo; ow < whi; ow++ {
						d[ow] = src[ow*p.sw+offW]
					}
				}
			}
		}
	}
}

// sameRows reports whether output row oh of a tap reads input row
// oh+offset with the same width, as in stride-1 "same" convolutions, the
// common case, where im2col can treat a whole plane as one run.
func (p *convGeom) sameRows() bool { return p.sh == 1 && p.sw == 1 && p.ow == p.w }

// zeroColumns zeroes columns outside [wlo, whi) of rows [hlo, hhi) of the
// row-major plane m with width w. It walks down columns because only the
// few padding columns at the edges are touched.
func zeroColumns(m []float32, w, hlo, hhi, wlo, whi int) {
	end := hhi * w
	for c := 0; c < wlo; c++ {
		for i := hlo*w + c; i < end; i += w {
			m[i] = 0
		}
	}
	for c := whi; c < w; c++ {
		for i := hlo*w + c; i < end; i += w {
			m[i] = 0
		}
	}
}

// col2im is the adjoint of im2col: it adds every entry of col (row stride
// ld) to the input position it was taken from, dropping the padding.
func col2im(p *convGeom, col, xs []float32, ld int) {
	hw, ohw := p.h*p.w, p.oh*p.ow
	row := 0
	for c := 0; c < p.c/p.g; c++ {
		plane := xs[c*hw : (c+1)*hw]
		for ki := 0; ki < p.kh; ki++ {
			offH := ki*p.dh - p.pt
			hlo, hhi := validRange(offH, p.sh, p.h, p.oh)
			for kj := 0; kj < p.kw; kj++ {
				offW := kj*p.dw - p.pl
				wlo, whi := validRange(offW, p.sw, p.w, p.ow)
				src := col[row*ld:][:ohw]
				row++
				for oh := hlo; oh < hhi; oh++ {
					s := src[oh*p.ow : (oh+1)*p.ow]
					dst := plane[(oh*p.sh+offH)*p.w:][:p.w]
					if p.sw == 1 {
						addTo(dst[wlo+offW:whi+offW], s[wlo:whi])
						continue
					}
					for ow := wlo; ow < whi; ow++ {
						dst[ow*p.sw+offW] += s[ow]
					}
				}
			}
		}
	}
}

// addTo adds s to d elementwise; len(s) must not exceed len(d).
func addTo(d, s []float32) {
	d = d[:len(s)]
	// Unrolled because Go does not vectorise; four independent adds per
	// iteration halve the loop overhead that otherwise bounds this loop.
	i := 0
	for ; i+4 <= len(s); i += 4 {
		dd, ss := d[i:i+4:i+4], s[i:i+4:i+4]
		dd[0] += ss[0]
		dd[1] += ss[1]
		dd[2] += ss[2]
		dd[3] += ss[3]
	}
	for ; i < len(s); i++ {
		d[i] += s[i]
	}
}

// scratch holds reusable float32 buffers in power-of-two size classes, so
// that the im2col matrices of a training step are recycled rather than
// reallocated; the contents of a buffer are arbitrary.
var scratch [64]sync.Pool

func getScratch(n int) *[]float32 {
	class := bits.Len(uint(max(n, 1) - 1))
	if b, ok := scratch[class].Get().(*[]float32); ok {
		*b = (*b)[:n]
		return b
	}
	s := make([]float32, n, 1<<class)
	return &s
}

func putScratch(b *[]float32) {
	scratch[bits.Len(uint(cap(*b)-1))].Put(b)
}
