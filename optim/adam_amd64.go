package optim

// hasAVX reports whether the CPU has AVX and the OS saves its registers.
var hasAVX = cpuHasAVX()

func cpuHasAVX() bool {
	const osxsave, avx = 1 << 27, 1 << 28
	if cpuidECX1()&(osxsave|avx) != osxsave|avx {
		return false
	}
	const ymmState = 0x6 // XCR0: SSE and AVX upper halves saved
	return xgetbv0()&ymmState == ymmState
}

// cpuidECX1 returns ECX of CPUID leaf 1.
func cpuidECX1() uint32

// xgetbv0 returns the low half of XCR0.
func xgetbv0() uint32

// adamAVX applies the Adam update to the first n elements (a multiple of 8).
//
//go:noescape
func adamAVX(k *adamKernel, w, grad, m, v *float32, n int)

// adamVector updates the longest prefix it can with AVX and returns its
// length.
func adamVector(k *adamKernel, w, g, m, v []float32) int {
	n := len(w) &^ 7
	if !hasAVX || n == 0 {
		return 0
	}
	_, _, _ = g[n-1], m[n-1], v[n-1]
	adamAVX(k, &w[0], &g[0], &m[0], &v[0], n)
	return n
}
