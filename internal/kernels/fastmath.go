package kernels

import "math"

// Scalar float32 versions of exp, expm1, log, log1p, tanh, sigmoid and
// softplus, which the tensor package's elementwise ops and losses call per
// element. Going through float64 math costs two conversions and a
// double-precision polynomial per element; these keep float32 throughout and
// stay within a few units in the last place of the float64 results
// (fastmath_test.go measures the error over the whole float32 range).

const (
	log2e = 1.44269504088896340736
	// ln2Hi has only 9 significant bits, so n*ln2Hi is exact for every
	// exponent a float32 can reach and x - n*ln2Hi loses nothing
	// (Cody-Waite reduction); ln2Lo carries the rest of ln 2.
	ln2Hi = 0.693359375
	ln2Lo = -2.12194440e-4
	// Adding 1.5*2^23 to a float32 of magnitude below 2^22 rounds it to an
	// integer held in the low mantissa bits, read back by subtracting the
	// bit pattern of the constant: a branch-free round-to-nearest.
	roundMagic     = 12582912
	roundMagicBits = 0x4b400000
	// exp overflows above 88.72; clamping at 89 keeps 2^n representable as
	// two factors while the product still overflows to +Inf. exp(-104)
	// already rounds to zero.
	expHi = 89
	expLo = -104
)

// expReduce splits x = n*ln2 + r with |r| <= ln2/2 and returns n and e^r - 1.
func expReduce(x float32) (int32, float32) {
	kf := x*log2e + roundMagic
	n := int32(math.Float32bits(kf)) - roundMagicBits
	kf -= roundMagic
	r := x - kf*ln2Hi - kf*ln2Lo
	// Taylor series to degree 7: the truncation error is below 3e-9 on the
	// reduced range, far under float32 resolution.
	q := r + r*r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040))))))
	return n, q
}

// pow2 returns 2^n for n in [-126, 127] by building the exponent bits.
func pow2(n int32) float32 { return math.Float32frombits(uint32(n+127) << 23) }

// Exp returns e^x. Results below the normal range are denormal or zero, as
// with math.Exp; NaN propagates.
func Exp(x float32) float32 {
	if x > expHi {
		x = expHi
	} else if x < expLo {
		x = expLo
	}
	n, q := expReduce(x)
	// Two factors cover n in [-150, 128], which one float32 power cannot.
	h := n >> 1
	return (1 + q) * pow2(h) * pow2(n-h)
}

// Expm1 returns e^x - 1, accurate for small |x| where e^x - 1 cancels.
func Expm1(x float32) float32 {
	if x > 88 {
		return Exp(x) // subtracting 1 is below float32 resolution there
	}
	if x < -17 {
		return -1 // e^x is below half an ulp of 1
	}
	n, q := expReduce(x)
	// e^x - 1 = 2^n(1+q) - 1 = 2^n*q + (2^n - 1): exact q when n = 0, and
	// no catastrophic cancellation otherwise.
	s := pow2(n)
	return s*q + (s - 1)
}

// Log returns the natural logarithm of x.
func Log(x float32) float32 {
	if !(x >= 0x1p-126 && x <= math.MaxFloat32) {
		// Zero, negatives, denormals, Inf and NaN: rare, and float64 gets
		// every special case right.
		return float32(math.Log(float64(x)))
	}
	b := math.Float32bits(x)
	// Offsetting by the bits of sqrt(1/2) makes the mantissa m fall in
	// [sqrt(1/2), sqrt(2)), so that s below stays small.
	e := int32(b-0x3f3504f3) >> 23
	m := math.Float32frombits(b - uint32(e<<23))
	f := m - 1
	s := f / (2 + f)
	z := s * s
	// log(m) = 2 atanh(s) = 2s + 2s^3/3 + 2s^5/5 + ...; |s| <= 0.172, so the
	// terms after s^9 are below 1e-9 relative.
	lm := 2*s + s*z*(2.0/3+z*(2.0/5+z*(2.0/7+z*(2.0/9))))
	ef := float32(e)
	return ef*ln2Hi + (lm + ef*ln2Lo)
}

// Log1p returns log(1 + x), accurate for small |x|.
func Log1p(x float32) float32 {
	u := 1 + x
	if u == 1 || u > math.MaxFloat32 {
		return x
	}
	// log(u) * x/(u-1) cancels the rounding error made in forming u.
	return Log(u) * (x / (u - 1))
}

// Tanh returns tanh(x) = -expm1(-2|x|) / (2 + expm1(-2|x|)) with the sign
// of x: one formula without cancellation for small |x|, exactly ±1 for
// large |x|.
func Tanh(x float32) float32 {
	bits := math.Float32bits(x)
	a := math.Float32frombits(bits &^ (1 << 31))
	em := Expm1(-2 * a)
	t := -em / (2 + em)
	// t >= 0, but -0 when em is +0: take its magnitude, then x's sign, so
	// that tanh(+0) = +0.
	return math.Float32frombits(math.Float32bits(t)&^(1<<31) | bits&(1<<31))
}

// Sigmoid returns 1/(1+e^-x). For x below about -87 the result leaves the
// normal float32 range and flushes towards zero.
func Sigmoid(x float32) float32 { return 1 / (1 + Exp(-x)) }

// Softplus returns log(1 + e^x) without overflow: max(x,0) + log1p(e^-|x|).
func Softplus(x float32) float32 {
	a := math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
	return max(x, 0) + Log1p(Exp(-a))
}
