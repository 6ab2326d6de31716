//go:build !noasm

package kernels

// adamAVX applies the Adam update to the first n elements (a multiple of 8).
//
//go:noescape
func adamAVX(k *Adam, w, grad, m, v *float32, n int)

// adamVector updates the longest prefix it can with AVX and returns its
// length.
func adamVector(k *Adam, w, g, m, v []float32) int {
	n := len(w) &^ 7
	if !hasAVX || n == 0 {
		return 0
	}
	_, _, _ = g[n-1], m[n-1], v[n-1]
	adamAVX(k, &w[0], &g[0], &m[0], &v[0], n)
	return n
}
