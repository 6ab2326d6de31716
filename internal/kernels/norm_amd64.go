//go:build !noasm

package kernels

//go:noescape
func sumSquaresAVX512(v *float32, n int) (s, q float64)

//go:noescape
func centeredDotAVX512(x, grad *float32, n int, m, r float32) (gx, sg float32)

//go:noescape
func affineCombineAVX512(d, x *float32, n int, a, b, c float32)

func sumSquaresVector(v []float32) (int, float64, float64) {
	n := len(v) &^ 15
	if !hasAVX512 || n == 0 {
		return 0, 0, 0
	}
	s, q := sumSquaresAVX512(&v[0], n)
	return n, s, q
}

func centeredDotVector(x, g []float32, m, r float32) (int, float32, float32) {
	n := len(x) &^ 15
	if !hasAVX512 || n == 0 {
		return 0, 0, 0
	}
	_ = g[n-1]
	gx, sg := centeredDotAVX512(&x[0], &g[0], n, m, r)
	return n, gx, sg
}

func affineCombineVector(d, x []float32, a, b, c float32) int {
	n := len(d) &^ 15
	if !hasAVX512 || n == 0 {
		return 0
	}
	_ = x[n-1]
	affineCombineAVX512(&d[0], &x[0], n, a, b, c)
	return n
}

//go:noescape
func maxAVX512(v *float32, n int) float32

// maxVector returns the maximum of the longest prefix of s that is a
// multiple of 16, and its length (0, and no maximum, when there is none).
func maxVector(s []float32) (float32, int) {
	n := len(s) &^ 15
	if !hasAVX512 || n == 0 {
		return 0, 0
	}
	return maxAVX512(&s[0], n), n
}
