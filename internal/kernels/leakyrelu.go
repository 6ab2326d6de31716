package kernels

// LeakyReLU writes x for x > 0 and slope·x otherwise into dst, for every
// element of src (dst and src have one length; they may be the same slice).
// The rule at 0 and for NaN follows PyTorch: 0 ↦ slope·0, NaN stays NaN.
func LeakyReLU(dst, src []float32, slope float32) {
	dst = dst[:len(src)]
	done := leakyReLUVector(dst, src, slope)
	leakyReLUGo(dst[done:], src[done:], slope)
}

// LeakyReLUGrad writes g·f'(x) into dst, where f'(x) is 1 for x > 0 and
// slope otherwise (so a ReLU passes no gradient at 0, as in PyTorch).
func LeakyReLUGrad(dst, g, x []float32, slope float32) {
	dst, g = dst[:len(x)], g[:len(x)]
	done := leakyReLUGradVector(dst, g, x, slope)
	leakyReLUGradGo(dst[done:], g[done:], x[done:], slope)
}

// leakyReLUGo is the portable version; the vector kernels agree with it
// bit for bit.
func leakyReLUGo(dst, src []float32, slope float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		m := float32(1)
		if v <= 0 {
			m = slope
		}
		dst[i] = v * m
	}
}

func leakyReLUGradGo(dst, g, x []float32, slope float32) {
	dst, g = dst[:len(x)], g[:len(x)]
	for i, v := range x {
		m := float32(1)
		if v <= 0 {
			m = slope
		}
		dst[i] = g[i] * m
	}
}
