package kernels

import (
	"fmt"
	"sync"
	"unsafe"
)

// Sgemm computes C = alpha*op(A)*op(B) + beta*C for row-major matrices, where
// op(X) is X or its transpose. op(A) is m×k, op(B) is k×n and C is m×n; lda,
// ldb and ldc are the row strides of A, B and C as stored. With beta == 0, C
// is overwritten without being read, so it may hold garbage or NaNs.
//
// The work is blocked in the style of Goto's algorithm: panels of op(A) and
// op(B) are copied ("packed") into contiguous, cache-sized buffers, which
// absorbs the transposes and alpha, and a register-blocked assembly
// micro-kernel (AVX-512 or AVX2, chosen at run time) multiplies them.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	fastKernel.sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// gemmKernel describes one micro-kernel and the cache blocking tuned for it.
type gemmKernel struct {
	name   string
	mr, nr int // register tile: rows of C × columns of C
	kc     int // depth of a packed panel; a kc×nr panel of B stays in L1
	mc     int // rows of A packed at once; an mc×kc block of A stays in L2
	nc     int // columns of B packed at once
	// fn computes one mr×nr tile: c = beta*c + Σ_p a[p*sa:][:mr] ⊗ b[p*sb:][:nr].
	// Strides are in elements; beta == 0 must not read c.
	fn func(k int, a *float32, sa int, b *float32, sb int, c *float32, ldc int, beta float32)
	// packN and packT, when set, pack a full nr-column panel of B (k rows
	// of B, or k columns of nr rows of B when transposed) faster than the
	// Go loops in packB; packT handles k rounded down to a multiple of 16.
	packN, packT func(k int, src *float32, ld int, dst *float32)
}

// kernelGo is the portable micro-kernel, the fallback on every platform.
var kernelGo = &gemmKernel{name: "go", mr: 4, nr: 4, kc: 256, mc: 64, nc: 1024, fn: sgemmKernelGo}

// fastKernel is the best micro-kernel for this CPU.
var fastKernel = availableKernels()[0]

// parallelMinFlops is the smallest m*n*k worth splitting across goroutines:
// below it, waking another worker costs more than it saves.
const parallelMinFlops = 1 << 20

// sgemm is Sgemm with a chosen micro-kernel; the tests call it for each one.
func (kn *gemmKernel) sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("kernels: Sgemm negative size m=%d n=%d k=%d", m, n, k))
	}
	if m == 0 || n == 0 {
		return
	}
	checkMatrix("C", c, m, n, ldc)
	if k == 0 || alpha == 0 {
		scaleRows(m, n, beta, c, ldc)
		return
	}
	ra, ca := m, k
	if transA {
		ra, ca = k, m
	}
	checkMatrix("A", a, ra, ca, lda)
	rb, cb := k, n
	if transB {
		rb, cb = n, k
	}
	checkMatrix("B", b, rb, cb, ldb)

	workers := Threads()
	if workers <= 1 || m*n*k < parallelMinFlops {
		buf := bufPool.Get().(*gemmBuf)
		kn.gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, buf)
		bufPool.Put(buf)
		return
	}
	// Split C into independent blocks of whole register tiles, each run by
	// the serial algorithm. Every worker repacks the operand it shares:
	// all of A (k*m elements) when splitting n, all of B (k*n) when
	// splitting m. Packing B with the assembly packers costs about a quarter
	// as much per element as packing A in Go, so split m unless B is much
	// wider than A is tall, or m is too short to give every worker a tile.
	bCost := 1
	if kn.packN != nil {
		bCost = 4
	}
	mTiles := (m + kn.mr - 1) / kn.mr
	if mTiles < workers || n > bCost*m {
		tiles := (n + kn.nr - 1) / kn.nr
		Parallel(tiles, 1, func(lo, hi int) {
			j0, j1 := lo*kn.nr, min(hi*kn.nr, n)
			bs := b[j0:]
			if transB {
				bs = b[j0*ldb:]
			}
			buf := bufPool.Get().(*gemmBuf)
			kn.gemm(transA, transB, m, j1-j0, k, alpha, a, lda, bs, ldb, beta, c[j0:], ldc, buf)
			bufPool.Put(buf)
		})
		return
	}
	Parallel(mTiles, 1, func(lo, hi int) {
		i0, i1 := lo*kn.mr, min(hi*kn.mr, m)
		as := a[i0:]
		if !transA {
			as = a[i0*lda:]
		}
		buf := bufPool.Get().(*gemmBuf)
		kn.gemm(transA, transB, i1-i0, n, k, alpha, as, lda, b, ldb, beta, c[i0*ldc:], ldc, buf)
		bufPool.Put(buf)
	})
}

// checkMatrix panics unless s can hold a rows×cols matrix with row stride
// ld. The assembly kernels index memory directly, so this is the only guard.
func checkMatrix(name string, s []float32, rows, cols, ld int) {
	if ld < cols || len(s) < (rows-1)*ld+cols {
		panic(fmt.Sprintf("kernels: Sgemm %s is %d×%d with stride %d but has %d elements", name, rows, cols, ld, len(s)))
	}
}

// scaleRows sets C = beta*C; beta == 0 clears C even where it holds NaN.
func scaleRows(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(row)
		case 1:
		default:
			for j := range row {
				row[j] *= beta
			}
		}
	}
}

// gemmBuf holds one goroutine's packing buffers. They are pooled so that a
// steady stream of GEMMs does not allocate.
type gemmBuf struct {
	a, b, tile []float32
}

var bufPool = sync.Pool{New: func() any { return new(gemmBuf) }}

// alignedFloats returns a slice of n float32s, reusing s if it is large
// enough, whose first element sits on a 64-byte boundary so vector loads of
// packed panels never straddle cache lines.
func alignedFloats(s []float32, n int) []float32 {
	if cap(s) >= n && uintptr(unsafe.Pointer(unsafe.SliceData(s)))%64 == 0 {
		return s[:n]
	}
	return alignWithin(make([]float32, n+16), n)
}

// gemm runs the blocked algorithm on one goroutine.
func (kn *gemmKernel) gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, buf *gemmBuf) {
	mr, nr := kn.mr, kn.nr
	kcMax := min(kn.kc, k)
	buf.tile = alignedFloats(buf.tile, mr*nr)
	if m <= kn.mc {
		kn.gemmShort(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, buf)
		return
	}
	ncMax := min(kn.nc, (n+nr-1)/nr*nr)
	buf.a = alignedFloats(buf.a, kn.mc*kcMax)
	buf.b = alignedFloats(buf.b, ncMax*kcMax)
	for jc := 0; jc < n; jc += kn.nc {
		nc := min(kn.nc, n-jc)
		for pc := 0; pc < k; pc += kn.kc {
			kc := min(kn.kc, k-pc)
			kn.packB(transB, b, ldb, pc, jc, kc, nc, buf.b)
			bt := beta
			if pc > 0 {
				bt = 1
			}
			for ic := 0; ic < m; ic += kn.mc {
				mc := min(kn.mc, m-ic)
				packA(transA, a, lda, ic, pc, mc, kc, mr, alpha, buf.a)
				kn.macro(mc, nc, kc, buf.a, buf.b, kc, nr, bt, c[ic*ldc+jc:], ldc, buf.tile)
			}
		}
	}
}

// streamCols is how many columns of B gemmShort packs at a time: enough to
// amortise the calls, few enough that the packed block is still in L1 or
// L2 when the micro-kernel reads it.
const streamCols = 256

// gemmShort handles products whose m rows fit one packed block of A, the
// common shape in training (m is a batch or channel count). Each depth slice
// of A is packed once and B streams past it; Goto's order would repack A
// for every block of B. B is still packed: read in place, rows of B whose
// stride is a multiple of 4 KiB all land in the same L1 sets and evict each
// other, which made such shapes ten times slower.
func (kn *gemmKernel) gemmShort(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, buf *gemmBuf) {
	mr, nr := kn.mr, kn.nr
	kcMax := min(kn.kc, k)
	ncs := min(streamCols, (n+nr-1)/nr*nr)
	buf.a = alignedFloats(buf.a, (m+mr-1)/mr*mr*kcMax)
	buf.b = alignedFloats(buf.b, ncs*kcMax)
	for pc := 0; pc < k; pc += kn.kc {
		kc := min(kn.kc, k-pc)
		packA(transA, a, lda, 0, pc, m, kc, mr, alpha, buf.a)
		bt := beta
		if pc > 0 {
			bt = 1
		}
		for jc := 0; jc < n; jc += ncs {
			nc := min(ncs, n-jc)
			kn.packB(transB, b, ldb, pc, jc, kc, nc, buf.b)
			kn.macro(m, nc, kc, buf.a, buf.b, kc, nr, bt, c[jc:], ldc, buf.tile)
		}
	}
}

// macro multiplies a packed mc×kc block of A by a kc×nc block of B into C,
// one register tile at a time. The B panel for columns jr.. starts at
// bs[jr*colStep] and advances sb elements per k step: packed panels have
// colStep kc and sb nr; B read in place has colStep 1 and sb ldb. Partial
// tiles at the edges are computed into tile (the packed panels are
// zero-padded) and then merged.
func (kn *gemmKernel) macro(mc, nc, kc int, ap, bs []float32, colStep, sb int, beta float32, c []float32, ldc int, tile []float32) {
	mr, nr := kn.mr, kn.nr
	for jr := 0; jr < nc; jr += nr {
		nrr := min(nr, nc-jr)
		bpan := &bs[jr*colStep]
		for ir := 0; ir < mc; ir += mr {
			mrr := min(mr, mc-ir)
			apan := &ap[ir*kc]
			if mrr == mr && nrr == nr {
				kn.fn(kc, apan, mr, bpan, sb, &c[ir*ldc+jr], ldc, beta)
				continue
			}
			kn.fn(kc, apan, mr, bpan, sb, &tile[0], nr, 0)
			for i := 0; i < mrr; i++ {
				row := c[(ir+i)*ldc+jr : (ir+i)*ldc+jr+nrr]
				t := tile[i*nr : i*nr+nrr]
				if beta == 0 {
					copy(row, t)
					continue
				}
				for j := range row {
					row[j] = beta*row[j] + t[j]
				}
			}
		}
	}
}

// packA copies alpha*op(A)[ic:ic+mc, pc:pc+kc] into dst as consecutive
// mr-row panels, each stored k-major (mr values per k step), zero-padding the
// last panel to mr rows.
func packA(trans bool, a []float32, lda, ic, pc, mc, kc, mr int, alpha float32, dst []float32) {
	for ir := 0; ir < mc; ir += mr {
		mrr := min(mr, mc-ir)
		pan := dst[ir*kc : ir*kc+kc*mr]
		if trans {
			// op(A)[i][p] = a[p*lda+i]: each k step is a contiguous run.
			if mrr == 8 && mr == 8 && alpha == 1 {
				// A run of eight per k step: one vector move each (copy
				// called memmove for 32 bytes, 9 % of a transformer step,
				// and so did an [8]float32 assignment).
				base := pc*lda + ic + ir
				if packTrans8Vector(a[base:], lda, kc, pan) {
					continue
				}
				for p := 0; p < kc; p++ {
					*(*[8]float32)(pan[p*8:]) = *(*[8]float32)(a[base+p*lda:])
				}
				continue
			}
			for p := 0; p < kc; p++ {
				src := a[(pc+p)*lda+ic+ir:][:mrr]
				d := pan[p*mr : p*mr+mr]
				if alpha == 1 {
					copy(d, src)
				} else {
					for i, v := range src {
						d[i] = alpha * v
					}
				}
				clear(d[mrr:])
			}
			continue
		}
		// op(A)[i][p] = a[i*lda+p]: read each row contiguously, scatter by mr.
		if mrr == 8 && mr == 8 && alpha == 1 {
			packRows8(a[(ic+ir)*lda+pc:], lda, kc, pan)
			continue
		}
		for i := 0; i < mrr; i++ {
			src := a[(ic+ir+i)*lda+pc:][:kc]
			for p, v := range src {
				pan[p*mr+i] = alpha * v
			}
		}
		for i := mrr; i < mr; i++ {
			for p := 0; p < kc; p++ {
				pan[p*mr+i] = 0
			}
		}
	}
}

// packRows8 packs kc columns of the 8 rows of a (row stride lda) into pan,
// 8 values per column: the AVX-512 kernel's full A panel. Reading the rows
// side by side writes pan in order, where one row at a time would store
// every 8th value.
func packRows8(a []float32, lda, kc int, pan []float32) {
	done := packRows8Vector(a, lda, kc, pan)
	packRows8Go(a[done:], lda, kc-done, pan[8*done:])
}

// packRows8Go is the portable packRows8; the assembly agrees with it bit
// for bit.
func packRows8Go(a []float32, lda, kc int, pan []float32) {
	if kc == 0 {
		return
	}
	r0, r1, r2, r3 := a[:kc], a[lda:][:kc], a[2*lda:][:kc], a[3*lda:][:kc]
	r4, r5, r6, r7 := a[4*lda:][:kc], a[5*lda:][:kc], a[6*lda:][:kc], a[7*lda:][:kc]
	pan = pan[:8*kc]
	for p := range kc {
		d := pan[p*8 : p*8+8 : p*8+8]
		d[0], d[1], d[2], d[3] = r0[p], r1[p], r2[p], r3[p]
		d[4], d[5], d[6], d[7] = r4[p], r5[p], r6[p], r7[p]
	}
}

// packB copies op(B)[pc:pc+kc, jc:jc+nc] into dst as consecutive nr-column
// panels, each stored k-major (nr values per k step), zero-padding the last
// panel to nr columns.
func (kn *gemmKernel) packB(trans bool, b []float32, ldb, pc, jc, kc, nc int, dst []float32) {
	nr := kn.nr
	for jr := 0; jr < nc; jr += nr {
		nrr := min(nr, nc-jr)
		pan := dst[jr*kc : jr*kc+kc*nr]
		if nrr == nr && !trans && kn.packN != nil {
			kn.packN(kc, &b[pc*ldb+jc+jr], ldb, &pan[0])
			continue
		}
		p0 := 0
		if trans && kn.packT != nil && kc >= 16 {
			p0 = kc &^ 15
			if nrr == nr {
				kn.packT(p0, &b[(jc+jr)*ldb+pc], ldb, &pan[0])
			} else {
				// A partial panel: its rows, then zero rows, side by side
				// in a buffer the assembly can read 32 rows of (the Go
				// loop below transposed it value by value: 9 % of a
				// PixelCNN step, in the weight gradients of its 16-channel
				// 1×1 convolutions).
				tmp := getScratch(nr * p0)
				for j := range nr {
					row := (*tmp)[j*p0 : (j+1)*p0]
					if j < nrr {
						copy(row, b[(jc+jr+j)*ldb+pc:][:p0])
					} else {
						clear(row)
					}
				}
				kn.packT(p0, &(*tmp)[0], p0, &pan[0])
				putScratch(tmp)
			}
		}
		if !trans {
			// op(B)[p][j] = b[p*ldb+j]: each k step is a contiguous run.
			for p := 0; p < kc; p++ {
				d := pan[p*nr : p*nr+nr]
				copy(d, b[(pc+p)*ldb+jc+jr:][:nrr])
				clear(d[nrr:])
			}
			continue
		}
		// op(B)[p][j] = b[j*ldb+p]: read each row of B contiguously.
		for j := 0; j < nrr; j++ {
			src := b[(jc+jr+j)*ldb+pc:][:kc]
			for p := p0; p < kc; p++ {
				pan[p*nr+j] = src[p]
			}
		}
		for j := nrr; j < nr; j++ {
			for p := p0; p < kc; p++ { // (the assembly zeroed the others)
				pan[p*nr+j] = 0
			}
		}
	}
}
