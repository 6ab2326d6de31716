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
