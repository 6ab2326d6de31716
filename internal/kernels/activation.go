package kernels

import "math"

// Slice kernels for the transcendental activations. Each has an AVX2+FMA
// version (activation_amd64.s) and the portable Go loop below it, which is
// the same algorithm written per element; without FMA the Go loops round
// some products separately, so the twins agree within a few units in the
// last place rather than bit for bit (activation_test.go states and checks
// the bounds). The vector code also handles a slice's last partial vector,
// through an 8-element buffer, so a value's result does not depend on where
// it sits in the slice or on how Parallel cut the slice.
//
// The activations whose derivative needs the exponentials of the forward
// pass have a Grad kernel, which writes g·f'(x) from x in one pass: the
// backward pass computes them again rather than have the forward pass store
// f'(x), which measured slower (one more tensor to allocate, zero, write and
// read) and holds one more activation-sized tensor until backward. In every
// kernel dst may be src (or g).

// ExpSlice writes e^x into dst for every x in src.
func ExpSlice(dst, src []float32) { run(kindExp, dst, nil, src) }

// SigmoidSlice writes 1/(1+e^-x) into dst for every x in src, computed as
// r = 1/(1+e^-|x|) for x >= 0 and e^-|x|·r for x < 0, so that neither
// branch overflows and the left tail keeps its relative accuracy.
func SigmoidSlice(dst, src []float32) { run(kindSigmoid, dst, nil, src) }

// TanhSlice writes tanh(x) into dst for every x in src (the formula of Tanh).
func TanhSlice(dst, src []float32) { run(kindTanh, dst, nil, src) }

// SoftplusSlice writes log(1+e^x) into dst for every x in src. The
// logarithm is log1p(e^-|x|) = 2·atanh(s) = 2s(1 + s²/3 + s⁴/5 + ...) with
// s = e^-|x|/(2+e^-|x|) <= 1/3, a series that needs no range reduction.
func SoftplusSlice(dst, src []float32) { run(kindSoftplus, dst, nil, src) }

// SoftplusGrad writes g·sigmoid(x), the gradient through Softplus.
func SoftplusGrad(dst, g, src []float32) { run(kindSoftplus, dst, g, src) }

// SiLUSlice writes x·sigmoid(x) into dst for every x in src.
func SiLUSlice(dst, src []float32) { run(kindSiLU, dst, nil, src) }

// SiLUGrad writes g·(s + x·s(1-s)), s = sigmoid(x), the gradient through
// SiLU.
func SiLUGrad(dst, g, src []float32) { run(kindSiLU, dst, g, src) }

// Constants of the tanh form of GELU: 0.5·x·(1+tanh(u)) = x·sigmoid(2u)
// with u = sqrt(2/π)·(x + 0.044715·x³), so v = 2u = x·(geluA + geluB·x²).
const (
	geluA = 2 * 0.7978845608028654
	geluB = 2 * 0.7978845608028654 * 0.044715
)

// GELUTanhSlice writes the tanh approximation of GELU,
// 0.5·x·(1+tanh(sqrt(2/π)(x+0.044715x³))), into dst for every x in src. It
// is computed as x·sigmoid(v), v twice the tanh argument, which has no
// cancellation for negative x.
func GELUTanhSlice(dst, src []float32) { run(kindGELUTanh, dst, nil, src) }

// GELUTanhGrad writes g times the derivative of the tanh approximation of
// GELU, s + x·s(1-s)·v' with s = sigmoid(v).
func GELUTanhGrad(dst, g, src []float32) { run(kindGELUTanh, dst, g, src) }

// GELUSlice writes the exact GELU x·Φ(x), Φ the standard normal CDF, into
// dst for every x in src. Φ comes from the upper tail
// Q(|x|) = t·e^(-x²/2)·G(t), t = 1/(1+0.3|x|), with G a degree-9
// polynomial fitted for this kernel (relative error below 5e-9 for
// |x| <= 15, where e^(-x²/2) has not yet underflowed); x² is split into two
// floats so that the exponential stays accurate in the tail.
func GELUSlice(dst, src []float32) { run(kindGELU, dst, nil, src) }

// GELUGrad writes g·(Φ(x) + x·φ(x)), the gradient through the exact GELU.
func GELUGrad(dst, g, src []float32) { run(kindGELU, dst, g, src) }

// run writes the activation of the given kind of src into dst, or with a
// non-nil g the gradient g·f'(x), on the vector kernel when the CPU has one.
func run(kind int, dst, g, src []float32) {
	dst = dst[:len(src)]
	if g != nil {
		g = g[:len(src)]
	}
	if !vector(kind, dst, g, src) {
		goKernels[kind](dst, g, src)
	}
}

// Which vector kernel vector runs.
const (
	kindExp = iota
	kindSigmoid
	kindTanh
	kindSoftplus
	kindSiLU
	kindGELUTanh
	kindGELU
)

// Coefficients of G(t) in GELUSlice, lowest degree first: the polynomial
// interpolating G(t) = Q(a)/(t·e^(-a²/2)), a = (1/t-1)/0.3, at ten
// Chebyshev nodes on t in [1/5.5, 1] (a in [0, 15]).
const (
	geluK  = 0.3
	geluG0 = 0.119687751
	geluG1 = 0.119550116
	geluG2 = 0.1104232
	geluG3 = 0.07748577
	geluG4 = 0.0988308415
	geluG5 = -0.084481284
	geluG6 = 0.197921649
	geluG7 = -0.232835487
	geluG8 = 0.114402115
	geluG9 = -0.0209846701
	// Beyond |x| = 20, Φ is 0 or 1 in float32 and e^(-x²/2) is 0; clamping
	// there keeps x² finite.
	geluClamp  = 20
	invSqrt2Pi = 0.3989422804014327
	signBit    = 1 << 31
)

// magnitude is |x| by clearing the sign bit, as the vector code does.
func magnitude(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ signBit) }

// negative reports whether x's sign bit is set (true for -0), the test the
// vector code makes with a blend on the sign bit.
func negative(x float32) bool { return math.Float32bits(x)&signBit != 0 }

// goKernels are the portable twins, by kind: each writes f(x) into dst, or
// g·f'(x) when g is not nil (Exp, Sigmoid and Tanh have no g form: their
// gradients are computed from their outputs).
var goKernels = [...]func(dst, g, src []float32){
	kindExp: expGo, kindSigmoid: sigmoidGo, kindTanh: tanhGo, kindSoftplus: softplusGo,
	kindSiLU: siluGo, kindGELUTanh: geluTanhGo, kindGELU: geluGo,
}

func expGo(dst, _, src []float32) {
	for i, x := range src {
		dst[i] = Exp(x)
	}
}

// sigmoidParts returns e = e^-|v| and r = 1/(1+e); sigmoid(v) is r for
// v >= 0 and e·r otherwise, and sigmoid(v)(1-sigmoid(v)) is e·r·r either way.
func sigmoidParts(v float32) (e, r float32) {
	e = Exp(-magnitude(v))
	return e, 1 / (1 + e)
}

func sigmoidOf(v, e, r float32) float32 {
	if negative(v) {
		return e * r
	}
	return r
}

func sigmoidGo(dst, _, src []float32) {
	for i, x := range src {
		e, r := sigmoidParts(x)
		dst[i] = sigmoidOf(x, e, r)
	}
}

func tanhGo(dst, _, src []float32) {
	for i, x := range src {
		dst[i] = Tanh(x)
	}
}

func softplusGo(dst, g, src []float32) {
	for i, x := range src {
		e, r := sigmoidParts(x)
		if g != nil {
			dst[i] = g[i] * sigmoidOf(x, e, r)
			continue
		}
		// 2s = e·w with w = 2/(2+e): forming 2s directly, rather than s
		// and then 2s, keeps the last bit of a denormal e.
		w := 2 / (2 + e)
		s2 := e * w
		h := 0.5 * s2
		z := h * h
		p := 1.0/3 + z*(1.0/5+z*(1.0/7+z*(1.0/9+z*(1.0/11+z*(1.0/13+z*(1.0/15))))))
		dst[i] = max(x, 0) + (s2*z*p + s2)
	}
}

// swishGo writes x·sigmoid(v), or g times its derivative s + x·v'·s(1-s),
// where v = x·(a + b·x²) and v' = a + 3b·x²: SiLU is a = 1, b = 0, the tanh
// form of GELU a = geluA, b = geluB.
func swishGo(dst, g, src []float32, a, b float32) {
	for i, x := range src {
		x2 := x * x
		v := x
		if b != 0 {
			v = x * (a + b*x2)
		}
		e, r := sigmoidParts(v)
		s := sigmoidOf(v, e, r)
		if g == nil {
			dst[i] = x * s
			continue
		}
		d := x * (e * r * r)
		if b != 0 {
			d *= a + 3*b*x2
		}
		dst[i] = g[i] * (s + d)
	}
}

func siluGo(dst, g, src []float32)     { swishGo(dst, g, src, 1, 0) }
func geluTanhGo(dst, g, src []float32) { swishGo(dst, g, src, geluA, geluB) }

func geluGo(dst, g, src []float32) {
	for i, x := range src {
		a := min(magnitude(x), geluClamp)
		a2 := a * a
		// a² = a2 + lo exactly: the float64 product of two float32 is exact.
		lo := float32(float64(a)*float64(a) - float64(a2))
		e := Exp(-0.5 * a2)
		e -= e * (0.5 * lo)
		t := 1 / (1 + geluK*a)
		p := geluG0 + t*(geluG1+t*(geluG2+t*(geluG3+t*(geluG4+t*(geluG5+t*(geluG6+t*(geluG7+t*(geluG8+t*geluG9))))))))
		q := t * e * p
		phi := 1 - q
		if negative(x) {
			phi = q
		}
		if g == nil {
			dst[i] = x * phi
		} else {
			dst[i] = g[i] * (phi + x*(e*invSqrt2Pi))
		}
	}
}
