package kernels

import "unsafe"

// Implicit GEMM: a stride-1 convolution whose output rows are as wide as
// its input rows ("same" convolutions, the UNet's, PixelCNN's and most
// 3×3 layers) packs the GEMM's B operand straight from the image. Each of
// the column matrix's rows is then a run of nr consecutive pixels of one
// input plane, shifted by the tap's offset, with the pixels whose tap falls
// in the padding masked to zero. The column matrix itself is never
// written: im2col wrote it (K·OH·OW floats per sample, more than L2 holds
// at 28×28 with 32 channels) and packing read it back, two passes over
// memory that cost as much as a third of the convolution.

// implicitPack packs k rows of one nr-wide panel of the column matrix into
// dst (k·nr floats, row after row). Row p reads tap t = (t0+p) mod kk of
// input plane (t0+p) div kk: the nr values at src[base+plane·c+offs[t]:],
// with the values whose bit in masks[t] is clear set to zero (and not
// read, so a masked value may lie outside src).
type implicitPack func(k int, src []float32, base, plane, kk, t0 int, offs []int32, masks []uint32, nr int, dst []float32)

// packImplicitGo is the portable implicitPack.
func packImplicitGo(k int, src []float32, base, plane, kk, t0 int, offs []int32, masks []uint32, nr int, dst []float32) {
	t := t0
	for p := range k {
		d := dst[p*nr : p*nr+nr]
		m, at := masks[t], base+int(offs[t])
		for j := range d {
			if m&(1<<j) != 0 {
				d[j] = src[at+j]
			} else {
				d[j] = 0
			}
		}
		if t++; t == kk {
			t = 0
			base += plane
		}
	}
}

// implicitFast is the packer that makes the implicit path worth taking on
// this CPU, and the micro-kernel it feeds, or nil when there is none (the
// portable packer is only used by the tests, to check the driver on every
// kernel).
var implicitFast, implicitKernel = fastImplicitPack()

// useImplicit reports whether Forward takes the implicit path with kernel
// kn: stride 1, output rows as wide as input rows, a group's output
// channels within one packed block of A, and a sample's pixels filling its
// panels at least half way (a panel never spans two samples, whose planes
// are not one shifted run). Even with 15 of a 7×7 plane's 64 columns
// empty the implicit path was faster than im2col's (UNet shapes: 14×14 and
// 7×7 with 64 and 128 channels, each direction 5-35 % faster in
// BenchmarkConvShapes). Batches smaller than the core count go through
// Sgemm, which splits a single sample's product across the cores.
func (p *Conv) useImplicit(kn *gemmKernel) bool {
	ohw := p.OH * p.OW
	waste := (ohw+kn.nr-1)/kn.nr*kn.nr - ohw
	return kn.nr <= 32 && p.SH == 1 && p.SW == 1 && p.OW == p.W &&
		p.O/p.G <= kn.mc && ohw >= kn.nr && waste*2 <= ohw && p.N >= Threads()
}

// forwardImplicit is Forward by implicit GEMM with kernel kn and packer
// pack. The weight, one group's A, is packed once per chunk of samples;
// every panel of a sample's output is then computed over all of K, one
// depth block at a time, while its packed rows are still in L1. A bias is
// one more column of A, against a row of ones in B, so the output is
// written once, by the micro-kernel, not filled first and read back.
func (p *Conv) forwardImplicit(kn *gemmKernel, pack implicitPack, x, w, b, y []float32) {
	cg, og, k := p.C/p.G, p.O/p.G, p.colRows()
	hw, ohw, kk := p.H*p.W, p.OH*p.OW, p.KH*p.KW
	mr, nr := kn.mr, kn.nr
	kt := k // the product's depth: the taps, and the bias
	if b != nil {
		kt++
	}
	// Depth blocks of equal size: 288 = 144+144 rather than 256+32, whose
	// short block would reload C for little work.
	blocks := (kt + kn.kc - 1) / kn.kc
	kc := (kt + blocks - 1) / blocks
	mPad := (og + mr - 1) / mr * mr
	offs, masks := p.implicitTables(nr)
	forChunks(p.N, func(_, lo, hi int) {
		abuf, bbuf := getScratch(mPad*kt+16), getScratch(kc*nr+16)
		defer putScratch(abuf)
		defer putScratch(bbuf)
		ap, panel := alignWithin(*abuf, mPad*kt), alignWithin(*bbuf, kc*nr)
		var wb []float32 // a group's weight with its bias as a last column
		if b != nil {
			wb = make([]float32, og*kt)
		}
		tile := make([]float32, mr*nr)
		for gi := range p.G {
			wg := w[gi*og*k:]
			if b != nil {
				for o := range og {
					copy(wb[o*kt:], wg[o*k:][:k])
					wb[o*kt+k] = b[gi*og+o]
				}
				wg = wb
			}
			for bl := range blocks {
				pc := bl * kc
				packA(false, wg, kt, 0, pc, og, min(kc, kt-pc), mr, 1, ap[mPad*pc:])
			}
			for n := lo; n < hi; n++ {
				ys := y[(n*p.O+gi*og)*ohw:][:og*ohw]
				xbase := (n*p.C + gi*cg) * hw
				for j0 := 0; j0 < ohw; j0 += nr {
					pm := masks[j0/nr*kk:][:kk]
					for bl := range blocks {
						pc := bl * kc
						kb := min(kc, kt-pc)
						taps := min(kb, k-pc)
						// Row pc of the column matrix is tap pc mod kk
						// of the group's input plane pc div kk.
						pack(taps, x, xbase+pc/kk*hw+j0, hw, kk, pc%kk, offs, pm, nr, panel)
						if taps < kb {
							fill(panel[taps*nr:][:nr], 1) // the bias's row
						}
						var beta float32
						if bl > 0 {
							beta = 1
						}
						kn.macro(og, min(nr, ohw-j0), kb, ap[mPad*pc:], panel, kb, nr, beta, ys[j0:], ohw, tile)
					}
				}
			}
		}
	})
}

// implicitTables returns each tap's offset in its input plane, and for each
// panel of nr output pixels from the plane's start each tap's mask
// (panelMasks): which taps a panel's pixels see depends on the panel's
// place in the plane only, so the tables serve every sample.
func (p *Conv) implicitTables(nr int) (offs []int32, masks []uint32) {
	kk, ohw := p.KH*p.KW, p.OH*p.OW
	offs = make([]int32, kk)
	for ki := range p.KH {
		for kj := range p.KW {
			offs[ki*p.KW+kj] = int32((ki*p.DH-p.PT)*p.W + kj*p.DW - p.PL)
		}
	}
	panels := (ohw + nr - 1) / nr
	masks = make([]uint32, panels*kk)
	rowMask, colMask := make([]uint32, p.KH), make([]uint32, p.KW)
	for pi := range panels {
		p.panelMasks(pi*nr, nr, rowMask, colMask, masks[pi*kk:][:kk])
	}
	return offs, masks
}

// panelMasks writes into masks, for each tap, which of the nr output pixels
// from j0 on read a pixel of the input rather than the padding, and exist
// (the last panel of a sample may be partly past its end). rowMask and
// colMask are scratch of KH and KW entries.
func (p *Conv) panelMasks(j0, nr int, rowMask, colMask, masks []uint32) {
	ohw := p.OH * p.OW
	clear(rowMask)
	clear(colMask)
	for j := range min(nr, ohw-j0) {
		oh, ow := (j0+j)/p.OW, (j0+j)%p.OW
		for ki := range p.KH {
			if h := oh + ki*p.DH - p.PT; h >= 0 && h < p.H {
				rowMask[ki] |= 1 << j
			}
		}
		for kj := range p.KW {
			if v := ow + kj*p.DW - p.PL; v >= 0 && v < p.W {
				colMask[kj] |= 1 << j
			}
		}
	}
	for ki, r := range rowMask {
		for kj, c := range colMask {
			masks[ki*p.KW+kj] = r & c
		}
	}
}

// alignWithin returns the n floats of s (which has at least n+15) that
// start on a 64-byte boundary, so that packed panels are read by whole
// cache lines.
func alignWithin(s []float32, n int) []float32 {
	off := int(uintptr(unsafe.Pointer(unsafe.SliceData(s)))%64) / 4
	if off != 0 {
		off = 16 - off
	}
	return s[off : off+n : off+n]
}

// weightGradImplicit is WeightGrad by implicit GEMM with kernel kn and
// packer pack: gw = Σ_n g_n·col_nᵀ, the product reducing over pixels. The
// transposed column matrix is packed from the image nr pixels by nr taps
// at a time: the implicit packer writes the block tap by tap, and a
// transpose in L1 turns it pixel by pixel, as the micro-kernel reads it.
func (p *Conv) weightGradImplicit(kn *gemmKernel, pack implicitPack, x, g, gw []float32) {
	cg, og, k := p.C/p.G, p.O/p.G, p.colRows()
	hw, ohw, kk := p.H*p.W, p.OH*p.OW, p.KH*p.KW
	mr, nr := kn.mr, kn.nr
	offs, masks := p.implicitTables(nr)
	// Depth blocks of pixels, whole panels each, of about equal size.
	blocks := (ohw + kn.kc - 1) / kn.kc
	kc := ((ohw+blocks-1)/blocks + nr - 1) / nr * nr
	mPad := (og + mr - 1) / mr * mr
	forChunksSummed(p.N, gw, func(lo, hi int, dst []float32) {
		abuf, bbuf := getScratch(mPad*kc+16), getScratch(kc*nr+16)
		defer putScratch(abuf)
		defer putScratch(bbuf)
		ap, panel := alignWithin(*abuf, mPad*kc), alignWithin(*bbuf, kc*nr)
		blk := make([]float32, nr*nr)
		tile := make([]float32, mr*nr)
		for n := lo; n < hi; n++ {
			for gi := range p.G {
				gs := g[(n*p.O+gi*og)*ohw:]
				xbase := (n*p.C + gi*cg) * hw
				dg := dst[gi*og*k:]
				for pc := 0; pc < ohw; pc += kc {
					kb := min(kc, ohw-pc)
					packA(false, gs, ohw, 0, pc, og, kb, mr, 1, ap)
					var beta float32
					if n > lo || pc > 0 {
						beta = 1
					}
					for t0 := 0; t0 < k; t0 += nr {
						nt := min(nr, k-t0)
						for q := 0; q < kb; q += nr {
							// Taps t0.. of the pixels pc+q..: row t of blk
							// is tap t0+t. Rows past the last tap keep old
							// values, which land in columns of the tile
							// that macro does not merge into dg.
							pm := masks[(pc+q)/nr*kk:][:kk]
							pack(nt, x, xbase+t0/kk*hw+pc+q, hw, kk, t0%kk, offs, pm, nr, blk)
							kn.transposeBlock(blk, panel[q*nr:])
						}
						kn.macro(og, nt, kb, ap, panel, kb, nr, beta, dg[t0:], k, tile)
					}
				}
			}
		}
	})
}

// transposeBlock writes the nr×nr block src (row t, column j) into dst
// transposed (row j, column t), by the assembly packer when the kernel has
// one.
func (kn *gemmKernel) transposeBlock(src, dst []float32) {
	nr := kn.nr
	if kn.packT != nil && nr == 32 {
		_ = src[nr*nr-1]
		_ = dst[nr*nr-1]
		kn.packT(nr, &src[0], nr, &dst[0])
		return
	}
	for t := range nr {
		for j, v := range src[t*nr : t*nr+nr] {
			dst[j*nr+t] = v
		}
	}
}
