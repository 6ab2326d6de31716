//go:build !noasm

package kernels

// leakyReLUAVX512 and leakyReLUGradAVX512 process n elements, n a multiple
// of 16.
//
//go:noescape
func leakyReLUAVX512(dst, src *float32, n int, slope float32)

//go:noescape
func leakyReLUGradAVX512(dst, grad, x *float32, n int, slope float32)

// leakyReLUVector handles the longest prefix that is a multiple of 16 with
// AVX-512 when the CPU has it and returns its length.
func leakyReLUVector(dst, src []float32, slope float32) int {
	n := len(src) &^ 15
	if !hasAVX512 || n == 0 {
		return 0
	}
	leakyReLUAVX512(&dst[0], &src[0], n, slope)
	return n
}

func leakyReLUGradVector(dst, g, x []float32, slope float32) int {
	n := len(x) &^ 15
	if !hasAVX512 || n == 0 {
		return 0
	}
	leakyReLUGradAVX512(&dst[0], &g[0], &x[0], n, slope)
	return n
}
