package kernels

// Kernels of the normalisation layers' per-group passes. Each has an
// AVX-512 twin for the longest prefix that is a multiple of 16; the twins
// sum in other orders, so the two agree to rounding, not bit for bit.

// SumSquares returns Σv and Σv² in float64, so that a variance taken as
// E[v²] − E[v]² keeps its precision for values far from zero.
func SumSquares(v []float32) (s, q float64) {
	done, s, q := sumSquaresVector(v)
	var s0, s1, q0, q1 float64
	i := done
	for ; i+2 <= len(v); i += 2 {
		a, b := float64(v[i]), float64(v[i+1])
		s0 += a
		s1 += b
		q0 += a * a
		q1 += b * b
	}
	if i < len(v) {
		a := float64(v[i])
		s0 += a
		q0 += a * a
	}
	return s + (s0 + s1), q + (q0 + q1)
}

// CenteredDot returns Σ g·(x − m)·r and Σ g: the gradient of a
// normalisation's scale and shift over one channel, x̂ = (x − m)·r being
// the normalised input.
func CenteredDot(x, g []float32, m, r float32) (gx, sg float32) {
	g = g[:len(x)]
	done, gx, sg := centeredDotVector(x, g, m, r)
	for i := done; i < len(x); i++ {
		gx += g[i] * ((x[i] - m) * r)
		sg += g[i]
	}
	return gx, sg
}

// AffineCombine writes a·d + b·x + c into d, elementwise.
func AffineCombine(d, x []float32, a, b, c float32) {
	x = x[:len(d)]
	done := affineCombineVector(d, x, a, b, c)
	for i := done; i < len(d); i++ {
		d[i] = a*d[i] + b*x[i] + c
	}
}

// Max returns the largest value of s (len(s) > 0). Where s holds a NaN the
// result is unspecified: a NaN or a number.
func Max(s []float32) float32 {
	m, done := maxVector(s)
	if done == 0 {
		m = s[0]
	}
	for _, v := range s[done:] {
		if v > m {
			m = v
		}
	}
	return m
}
