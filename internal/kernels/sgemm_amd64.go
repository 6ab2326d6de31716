//go:build !noasm

package kernels

// sgemmKernelAVX512 is the 8×32 AVX-512 micro-kernel (see sgemm_amd64.s).
//
//go:noescape
func sgemmKernelAVX512(k int, a *float32, sa int, b *float32, sb int, c *float32, ldc int, beta float32)

// sgemmKernelAVX2 is the 6×16 AVX2+FMA micro-kernel (see sgemm_amd64.s).
//
//go:noescape
func sgemmKernelAVX2(k int, a *float32, sa int, b *float32, sb int, c *float32, ldc int, beta float32)

var (
	kernelAVX512 = &gemmKernel{name: "avx512", mr: 8, nr: 32, kc: 256, mc: 256, nc: 4096, fn: sgemmKernelAVX512,
		packN: packBNoTransAVX512, packT: packBTransAVX512}
	kernelAVX2 = &gemmKernel{name: "avx2", mr: 6, nr: 16, kc: 256, mc: 96, nc: 4096, fn: sgemmKernelAVX2}
)

// availableKernels lists the micro-kernels this CPU can run, fastest first.
func availableKernels() []*gemmKernel {
	var ks []*gemmKernel
	if hasAVX512 {
		ks = append(ks, kernelAVX512)
	}
	if hasAVX2FMA {
		ks = append(ks, kernelAVX2)
	}
	return append(ks, kernelGo)
}

// packBNoTransAVX512 copies k rows of 32 floats, ld apart, into dst.
//
//go:noescape
func packBNoTransAVX512(k int, src *float32, ld int, dst *float32)

// packBTransAVX512 packs k (a multiple of 16) steps of a 32-column panel
// of Bᵀ from 32 rows of B, ld apart, into dst.
//
//go:noescape
func packBTransAVX512(k int, src *float32, ld int, dst *float32)

// packRows8AVX512 packs k (a multiple of 16) columns of 8 rows of A, lda
// apart, 8 values per column.
//
//go:noescape
func packRows8AVX512(k int, src *float32, lda int, dst *float32)

// packTrans8AVX copies k runs of 8 values, lda apart, one after another.
//
//go:noescape
func packTrans8AVX(k int, src *float32, lda int, dst *float32)

// packRows8Vector packs the longest prefix of kc that the AVX-512 packer
// takes, returning its length.
func packRows8Vector(a []float32, lda, kc int, pan []float32) int {
	n := kc &^ 15
	if !hasAVX512 || n == 0 {
		return 0
	}
	_ = a[7*lda+n-1]
	_ = pan[8*n-1]
	packRows8AVX512(n, &a[0], lda, &pan[0])
	return n
}

// packTrans8Vector is packTrans8AVX on slices, when the CPU has AVX; it
// reports whether it did the work.
func packTrans8Vector(a []float32, lda, kc int, pan []float32) bool {
	if !hasAVX || kc == 0 {
		return false
	}
	_ = a[(kc-1)*lda+7]
	_ = pan[8*kc-1]
	packTrans8AVX(kc, &a[0], lda, &pan[0])
	return true
}
