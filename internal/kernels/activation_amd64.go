//go:build !noasm

package kernels

import "math"

// The AVX2+FMA activation kernels process n elements, n a multiple of 8:
// they write f(x) into dst, or g·f'(x) where grad is not nil (softplus,
// SiLU and the GELUs; exp, sigmoid and tanh ignore grad).
//
//go:noescape
func expAVX2(dst, grad, src *float32, n int)

//go:noescape
func sigmoidAVX2(dst, grad, src *float32, n int)

//go:noescape
func tanhAVX2(dst, grad, src *float32, n int)

//go:noescape
func softplusAVX2(dst, grad, src *float32, n int)

//go:noescape
func siluAVX2(dst, grad, src *float32, n int)

//go:noescape
func geluTanhAVX2(dst, grad, src *float32, n int)

//go:noescape
func geluAVX2(dst, grad, src *float32, n int)

// splat repeats v over one AVX2 register.
func splat(v float32) [8]float32 { return [8]float32{v, v, v, v, v, v, v, v} }

func splatBits(b uint32) [8]float32 { return splat(math.Float32frombits(b)) }

// vc holds the constants of the vector kernels, each repeated over one
// register so that the assembly can use it as a memory operand. The
// assembly names each row by its byte offset (VC_* in activation_amd64.s),
// so rows are only ever appended.
var vc = [...][8]float32{
	splat(expLo), splat(expHi), splat(log2e), splat(ln2Hi), splat(ln2Lo),
	// 5-10: the Taylor coefficients of expReduce, highest degree first.
	splat(1.0 / 5040), splat(1.0 / 720), splat(1.0 / 120), splat(1.0 / 24), splat(1.0 / 6), splat(1.0 / 2),
	splat(1), splatBits(127), splatBits(^uint32(signBit)), splatBits(signBit), splat(2), splat(-18), splat(-2),
	// 18-24: the atanh series of SoftplusSlice, highest degree first.
	splat(1.0 / 15), splat(1.0 / 13), splat(1.0 / 11), splat(1.0 / 9), splat(1.0 / 7), splat(1.0 / 5), splat(1.0 / 3),
	// 25-27: v = x(a + b·x²) and v' = a + 3b·x² of GELUTanhSlice.
	splat(geluA), splat(geluB), splat(3 * float32(geluB)),
	// 28-41: GELUSlice.
	splat(geluK), splat(geluClamp), splat(-0.5), splat(invSqrt2Pi),
	splat(geluG9), splat(geluG8), splat(geluG7), splat(geluG6), splat(geluG5),
	splat(geluG4), splat(geluG3), splat(geluG2), splat(geluG1), splat(geluG0),
}

// vector runs the kernel of the given kind over src when the CPU has AVX2
// and FMA, and reports whether it did. The last partial vector goes through
// a buffer, so that every element takes the same instructions.
func vector(kind int, dst, g, src []float32) bool {
	if !hasAVX2FMA {
		return false
	}
	gAt := func(i int) *float32 {
		if g == nil {
			return nil
		}
		return &g[i]
	}
	// The AVX-512 twins (same bits) take whole runs of 16, AVX2 the next
	// run of 8, and the last partial vector a buffer.
	wide := 0
	if hasAVX512 && hasWide(kind) {
		if wide = len(src) &^ 15; wide > 0 {
			runAVX512(kind, &dst[0], gAt(0), &src[0], wide)
		}
	}
	n := wide + (len(src)-wide)&^7
	if n > wide {
		runAVX2(kind, &dst[wide], gAt(wide), &src[wide], n-wide)
	}
	if n == len(src) {
		return true
	}
	var in, gin, out [8]float32
	copy(in[:], src[n:])
	var gp *float32
	if g != nil {
		copy(gin[:], g[n:])
		gp = &gin[0]
	}
	runAVX2(kind, &out[0], gp, &in[0], 8)
	copy(dst[n:], out[:])
	return true
}

func runAVX2(kind int, dst, grad, src *float32, n int) {
	switch kind {
	case kindExp:
		expAVX2(dst, grad, src, n)
	case kindSigmoid:
		sigmoidAVX2(dst, grad, src, n)
	case kindTanh:
		tanhAVX2(dst, grad, src, n)
	case kindSoftplus:
		softplusAVX2(dst, grad, src, n)
	case kindSiLU:
		siluAVX2(dst, grad, src, n)
	case kindGELUTanh:
		geluTanhAVX2(dst, grad, src, n)
	case kindGELU:
		geluAVX2(dst, grad, src, n)
	}
}

// The AVX-512 twins of the exponential, SiLU and exact GELU kernels
// (activation512_amd64.s), n a multiple of 16.
//
//go:noescape
func expAVX512(dst, grad, src *float32, n int)

//go:noescape
func siluAVX512(dst, grad, src *float32, n int)

//go:noescape
func geluAVX512(dst, grad, src *float32, n int)

// hasWide reports whether kind has an AVX-512 twin.
func hasWide(kind int) bool { return kind == kindExp || kind == kindSiLU || kind == kindGELU }

func runAVX512(kind int, dst, grad, src *float32, n int) {
	switch kind {
	case kindExp:
		expAVX512(dst, grad, src, n)
	case kindSiLU:
		siluAVX512(dst, grad, src, n)
	case kindGELU:
		geluAVX512(dst, grad, src, n)
	}
}
