package kernels

// Sum adds s with four accumulators, so the additions do not wait on
// each other.
func Sum(s []float32) float32 {
	var a, b, c, d float32
	i := 0
	for ; i+4 <= len(s); i += 4 {
		q := s[i : i+4 : i+4]
		a += q[0]
		b += q[1]
		c += q[2]
		d += q[3]
	}
	for ; i < len(s); i++ {
		a += s[i]
	}
	return (a + b) + (c + d)
}

// fill sets every element of s to v: vector stores where the CPU has them
// (a convolution's bias rows are a few hundred floats, where the doubling
// copies that did this before cost ten memmove calls each), then a loop.
func fill(s []float32, v float32) {
	done := vectorFill(s, v)
	for i := done; i < len(s); i++ {
		s[i] = v
	}
}

// addTo adds s to d elementwise; len(s) must not exceed len(d).
func addTo(d, s []float32) {
	d = d[:len(s)]
	// Unrolled because Go does not vectorise; four independent adds per
	// iteration halve the loop overhead that otherwise bounds this loop.
	i := 0
	for ; i+4 <= len(s); i += 4 {
		dd, ss := d[i:i+4:i+4], s[i:i+4:i+4]
		dd[0] += ss[0]
		dd[1] += ss[1]
		dd[2] += ss[2]
		dd[3] += ss[3]
	}
	for ; i < len(s); i++ {
		d[i] += s[i]
	}
}
