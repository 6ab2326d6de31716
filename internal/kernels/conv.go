package kernels

// Conv is the geometry of one 2-D convolution, always described in the
// forward (Conv2d) direction: x [N, C, H, W] is cross-correlated with a
// weight [O, C/G, KH, KW] into y [N, O, OH, OW]. Zero-based strides and
// dilations are not allowed (use 1); the caller validates the geometry,
// as the tensor package does with messages that name the op and shapes.
//
// The kernels work on caller-owned row-major slices of exactly those
// shapes: the destination is written, never read, and must not overlap
// an operand.
type Conv struct {
	N, C, H, W int // input: batch, channels, height, width
	O, KH, KW  int // output channels and kernel size
	OH, OW     int // output size
	SH, SW     int // stride
	PT, PB     int // padding above and below
	PL, PR     int // padding left and right
	DH, DW     int // dilation
	G          int // groups
}

// colRows is the reduction length of each group's GEMM: the taps of one
// output pixel.
func (p *Conv) colRows() int { return p.C / p.G * p.KH * p.KW }

// direct reports whether a sample's group slice is already its im2col
// matrix, as for 1×1 stride-1 unpadded convolutions.
func (p *Conv) direct() bool {
	return p.KH == 1 && p.KW == 1 && p.SH == 1 && p.SW == 1 && p.PT == 0 && p.PL == 0 && p.OH == p.H && p.OW == p.W
}

// batchChunks splits the batch into at most Threads() contiguous ranges.
// Each sample's GEMM is small for typical image sizes (tens of output
// channels), and splitting the batch also runs im2col and col2im in
// parallel, which a multi-core Sgemm alone would leave serial.
func batchChunks(n int) int { return max(min(Threads(), n), 1) }

// forChunks runs fn over the chunks of the batch in parallel; chunk is the
// range's index, so per-chunk partial results can be combined in a fixed
// order and stay bit-reproducible.
func forChunks(n int, fn func(chunk, lo, hi int)) {
	k := batchChunks(n)
	Parallel(k, 1, func(clo, chi int) {
		for c := clo; c < chi; c++ {
			fn(c, c*n/k, (c+1)*n/k)
		}
	})
}

// forChunksSummed runs fn over the chunks of the batch in parallel, each
// writing its own sum into dst (the first chunk into sum itself, the others
// into scratch), then adds the chunks' sums into sum in chunk order, so the
// result does not depend on scheduling.
func forChunksSummed(n int, sum []float32, fn func(lo, hi int, dst []float32)) {
	parts := make([]*[]float32, batchChunks(n))
	forChunks(n, func(chunk, lo, hi int) {
		dst := sum
		if chunk > 0 {
			parts[chunk] = getScratch(len(sum))
			dst = *parts[chunk]
		}
		fn(lo, hi, dst)
	})
	for _, part := range parts[1:] {
		addTo(sum, (*part)[:len(sum)])
		putScratch(part)
	}
}

// flipCheaper reports whether the stride-1 convolution p is better done
// through its flipped geometry: with fewer output than input channels, the
// flipped geometry's column matrices (o·kh·kw rows) are smaller than p's own
// (c·kh·kw rows), as for the narrow last layer of a coupling network, whose
// im2col would otherwise copy a wide hidden tensor nine times.
func (p *Conv) flipCheaper() bool {
	return p.SH == 1 && p.SW == 1 && !p.direct() && p.O < p.C
}

// Forward writes the convolution of x with w, plus b per output channel
// when b is not nil, into y.
func (p *Conv) Forward(x, w, b, y []float32) {
	implicit := implicitFast != nil && p.useImplicit(implicitKernel)
	if implicit && (p.O/p.G > narrowChannels || !p.flipCheaper()) {
		p.forwardImplicit(implicitKernel, implicitFast, x, w, b, y)
		return
	}
	if p.flipCheaper() {
		// The convolution is the adjoint of the flipped one: one GEMM
		// into an o·kh·kw-row column matrix, then col2im's shifted adds.
		q := p.flipped()
		wf := getScratch(len(w))
		defer putScratch(wf)
		flipKernel(p, w, *wf)
		q.adjoint(x, *wf, b, y)
		return
	}
	cg, og, k := p.C/p.G, p.O/p.G, p.colRows()
	hw, ohw := p.H*p.W, p.OH*p.OW
	forChunks(p.N, func(_, lo, hi int) {
		nb := p.samplesPerGemm(hi - lo)
		col, freeCol := scratchIf(!p.direct() || nb > 1, k*nb*ohw)
		defer freeCol()
		out, freeOut := scratchIf(nb > 1, og*nb*ohw)
		defer freeOut()
		for n0 := lo; n0 < hi; n0 += nb {
			m := min(nb, hi-n0)
			ld := m * ohw
			for gi := 0; gi < p.G; gi++ {
				src := x[(n0*p.C+gi*cg)*hw:][:cg*hw]
				if col != nil {
					p.columns(x, n0, m, gi, col)
					src = col
				}
				if m == 1 {
					ys := y[(n0*p.O+gi*og)*ohw:][:og*ohw]
					var beta float32
					if b != nil {
						// Starting from the bias and accumulating saves
						// a separate pass over the output.
						for o := 0; o < og; o++ {
							fill(ys[o*ohw:(o+1)*ohw], b[gi*og+o])
						}
						beta = 1
					}
					Sgemm(false, false, og, ohw, k, 1, w[gi*og*k:], k, src, ohw, beta, ys, ohw)
					continue
				}
				var beta float32
				if b != nil {
					for o := 0; o < og; o++ {
						fill(out[o*ld:][:ld], b[gi*og+o])
					}
					beta = 1
				}
				Sgemm(false, false, og, ld, k, 1, w[gi*og*k:], k, src, ld, beta, out, ld)
				for j := range m {
					ys := y[((n0+j)*p.O+gi*og)*ohw:][:og*ohw]
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
func (p *Conv) samplesPerGemm(n int) int {
	const floats = 1 << 18
	ohw := p.OH * p.OW
	if ohw >= 512 {
		return 1
	}
	rows := max(p.colRows(), p.O/p.G)
	return max(1, min(n, floats/max(rows*ohw, 1)))
}

// columns writes the column matrices of group gi of the m samples of x
// from n0 on side by side into col (row stride m·OH·OW): im2col, or for a
// 1×1 convolution the group's rows themselves.
func (p *Conv) columns(x []float32, n0, m, gi int, col []float32) {
	cg, hw, ohw := p.C/p.G, p.H*p.W, p.OH*p.OW
	ld := m * ohw
	for j := range m {
		xs := x[((n0+j)*p.C+gi*cg)*hw:][:cg*hw]
		if !p.direct() {
			im2col(p, xs, col[j*ohw:], ld)
			continue
		}
		for r := 0; r < cg; r++ {
			copy(col[r*ld+j*ohw:][:hw], xs[r*hw:][:hw])
		}
	}
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

// Adjoint writes into x the adjoint of convolving by w applied to g
// (shaped like the output), plus b per input channel when b is not nil:
// the input gradient of the convolution and the forward of a transposed
// convolution.
func (p *Conv) Adjoint(g, w, b, x []float32) {
	if p.flipAdjoint() {
		// With stride 1 the adjoint is itself a convolution, of g with the
		// flipped kernel: an implicit GEMM, or im2col's copies in place of
		// col2im's scattered adds.
		q := p.flipped()
		wf := getScratch(len(w))
		defer putScratch(wf)
		flipKernel(p, w, *wf)
		q.Forward(g, *wf, b, x)
		return
	}
	p.adjoint(g, w, b, x)
}

// flipAdjoint reports whether Adjoint computes the flipped convolution:
// always when that convolution can run as an implicit GEMM producing more
// than narrowChannels channels, and otherwise when its column matrix
// (o·kh·kw rows) is no larger than the col2im's (c·kh·kw rows).
func (p *Conv) flipAdjoint() bool {
	if p.direct() || p.SH != 1 || p.SW != 1 {
		return false
	}
	if q := p.flipped(); implicitFast != nil && q.useImplicit(implicitKernel) && p.C/p.G > narrowChannels {
		return true
	}
	return p.O <= p.C
}

// narrowChannels is the largest output channel count (per group) for which
// a stride-1 convolution with more input channels goes through the flipped
// geometry rather than the implicit GEMM: the implicit GEMM reads the
// input once per tap and fills the register tile's 8 rows with fewer
// channels. (28×28, batch 32, 3×3: 64 → 2 channels 0.52 ms flipped
// against 1.24 implicit; 32 → 8 channels 1.14 against 0.60.)
const narrowChannels = 4

// adjoint is the adjoint of convolving by w computed directly: one
// GEMM, wᵀ·g, into a column matrix per group of samples, and col2im.
func (p *Conv) adjoint(g, w, b, x []float32) {
	cg, og, k := p.C/p.G, p.O/p.G, p.colRows()
	hw, ohw := p.H*p.W, p.OH*p.OW
	forChunks(p.N, func(_, lo, hi int) {
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
			for gi := 0; gi < p.G; gi++ {
				if b != nil {
					for j := range m {
						xs := x[((n0+j)*p.C+gi*cg)*hw:][:cg*hw]
						for c := 0; c < cg; c++ {
							fill(xs[c*hw:(c+1)*hw], b[gi*cg+c])
						}
					}
				}
				gs := g[(n0*p.O+gi*og)*ohw:]
				if col == nil {
					xs := x[(n0*p.C+gi*cg)*hw:][:cg*hw]
					var beta float32
					if b != nil {
						beta = 1
					}
					Sgemm(true, false, k, ohw, og, 1, w[gi*og*k:], k, gs, ohw, beta, xs, hw)
					continue
				}
				if m > 1 {
					gatherRows(gs, p.O*ohw, og, ohw, m, gb)
					gs = gb
				}
				Sgemm(true, false, k, ld, og, 1, w[gi*og*k:], k, gs, ld, 0, col, ld)
				for j := range m {
					xs := x[((n0+j)*p.C+gi*cg)*hw:][:cg*hw]
					if b == nil {
						clear(xs) // col2im adds; x is written, never read
					}
					col2im(p, col[j*ohw:], xs, ld)
				}
			}
		}
	})
}

// flipped returns the geometry of the stride-1 convolution that maps the
// output of p back to its input: channels swap, the output is p's input
// size, and the padding becomes the kernel's reach minus the old padding,
// which may be negative (im2col only uses it as an offset).
func (p *Conv) flipped() Conv {
	return Conv{
		N: p.N, C: p.O, H: p.OH, W: p.OW, O: p.C, KH: p.KH, KW: p.KW, OH: p.H, OW: p.W,
		SH: 1, SW: 1, PT: p.DH*(p.KH-1) - p.PT, PL: p.DW*(p.KW-1) - p.PL,
		DH: p.DH, DW: p.DW, G: p.G,
	}
}

// flipKernel writes the weight of p.flipped(): within each group the
// input and output channels swap and the kernel turns by 180 degrees.
func flipKernel(p *Conv, w, wf []float32) {
	cg, og, kk := p.C/p.G, p.O/p.G, p.KH*p.KW
	for gi := 0; gi < p.G; gi++ {
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

// WeightGrad writes into gw the gradient with respect to the weight of
// <g, conv(x, w)>. The batch is split across cores with one partial sum
// per chunk, added in chunk order, so the result does not depend on
// scheduling.
func (p *Conv) WeightGrad(x, g, gw []float32) {
	if p.flipCheaper() {
		// The flipped convolution maps g back to x; its weight gradient
		// with the roles of x and g swapped is this one's, flipped, and
		// needs the im2col of g, the narrower tensor.
		q := p.flipped()
		gwf := getScratch(len(gw))
		defer putScratch(gwf)
		q.WeightGrad(g, x, *gwf)
		flipKernel(&q, *gwf, gw)
		return
	}
	if implicitFast != nil && p.useImplicit(implicitKernel) && !p.direct() {
		// (A 1×1 convolution's GEMM reads x in place, transposing it as
		// it packs; the implicit path would copy it first.)
		p.weightGradImplicit(implicitKernel, implicitFast, x, g, gw)
		return
	}
	cg, og, k := p.C/p.G, p.O/p.G, p.colRows()
	hw, ohw := p.H*p.W, p.OH*p.OW
	forChunksSummed(p.N, gw, func(lo, hi int, dst []float32) {
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
			for gi := 0; gi < p.G; gi++ {
				src := x[(n0*p.C+gi*cg)*hw:][:cg*hw]
				if col != nil {
					p.columns(x, n0, m, gi, col)
					src = col
				}
				gs := g[(n0*p.O+gi*og)*ohw:]
				if m > 1 {
					gatherRows(gs, p.O*ohw, og, ohw, m, gb)
					gs = gb
				}
				Sgemm(false, true, og, k, ld, 1, gs, ld, src, ld, beta, dst[gi*og*k:], k)
			}
		}
	})
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
func im2col(p *Conv, xs, col []float32, ld int) {
	hw, ohw := p.H*p.W, p.OH*p.OW
	row := 0
	for c := 0; c < p.C/p.G; c++ {
		plane := xs[c*hw : (c+1)*hw]
		for ki := 0; ki < p.KH; ki++ {
			offH := ki*p.DH - p.PT
			hlo, hhi := validRange(offH, p.SH, p.H, p.OH)
			for kj := 0; kj < p.KW; kj++ {
				offW := kj*p.DW - p.PL
				wlo, whi := validRange(offW, p.SW, p.W, p.OW)
				dst := col[row*ld:][:ohw]
				row++
				clear(dst[:hlo*p.OW])
				clear(dst[hhi*p.OW:])
				if p.sameRows() {
					// Output and input rows line up, so the tap's whole
					// plane is one shifted copy; the entries that wrapped
					// around a row edge belong to the padding.
					lo, hi := hlo*p.OW, hhi*p.OW
					off := offH*p.W + offW
					lo, hi = max(lo, -off), min(hi, hw-off)
					if lo < hi { // a tap may see no pixel of a tiny plane
						copy(dst[lo:hi], plane[lo+off:hi+off])
					}
					zeroColumns(dst, p.OW, hlo, hhi, wlo, whi)
					continue
				}
				for oh := hlo; oh < hhi; oh++ {
					d := dst[oh*p.OW : (oh+1)*p.OW]
					src := plane[(oh*p.SH+offH)*p.W:][:p.W]
					clear(d[:wlo])
					clear(d[whi:])
					if p.SW == 1 {
						copy(d[wlo:whi], src[wlo+offW:whi+offW])
						continue
					}
					for ow := wlo; ow < whi; ow++ {
						d[ow] = src[ow*p.SW+offW]
					}
				}
			}
		}
	}
}

// sameRows reports whether output row oh of a tap reads input row
// oh+offset with the same width, as in stride-1 "same" convolutions, the
// common case, where im2col can treat a whole plane as one run.
func (p *Conv) sameRows() bool { return p.SH == 1 && p.SW == 1 && p.OW == p.W }

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
func col2im(p *Conv, col, xs []float32, ld int) {
	hw, ohw := p.H*p.W, p.OH*p.OW
	row := 0
	for c := 0; c < p.C/p.G; c++ {
		plane := xs[c*hw : (c+1)*hw]
		for ki := 0; ki < p.KH; ki++ {
			offH := ki*p.DH - p.PT
			hlo, hhi := validRange(offH, p.SH, p.H, p.OH)
			for kj := 0; kj < p.KW; kj++ {
				offW := kj*p.DW - p.PL
				wlo, whi := validRange(offW, p.SW, p.W, p.OW)
				src := col[row*ld:][:ohw]
				row++
				for oh := hlo; oh < hhi; oh++ {
					s := src[oh*p.OW : (oh+1)*p.OW]
					dst := plane[(oh*p.SH+offH)*p.W:][:p.W]
					if p.SW == 1 {
						addTo(dst[wlo+offW:whi+offW], s[wlo:whi])
						continue
					}
					for ow := wlo; ow < whi; ow++ {
						dst[ow*p.SW+offW] += s[ow]
					}
				}
			}
		}
	}
}
