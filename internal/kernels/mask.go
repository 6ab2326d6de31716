package kernels

// MaskScale writes src[i]·m into dst, where m is scale if bit i of bits is
// set and 0 otherwise (so a dropped value becomes ±0, or NaN for NaN and
// ±Inf, as a product with a mask tensor gives): dropout, both ways.
func MaskScale(dst, src []float32, bits []uint64, scale float32) {
	src = src[:len(dst)]
	_ = bits[(len(dst)-1)/64]
	done := maskScaleVector(dst, src, bits, scale)
	for i := done; i < len(dst); i++ {
		m := float32(0)
		if bits[i/64]&(1<<(i%64)) != 0 {
			m = scale
		}
		dst[i] = src[i] * m
	}
}
