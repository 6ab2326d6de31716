package tensor

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/internal/kernels"
)

// Tanh returns the hyperbolic tangent elementwise. Its backward uses the
// output: d tanh = 1 - tanh².
func Tanh(x *Tensor) *Tensor {
	out := mapUnary(x, kernels.TanhSlice)
	return record(out, "Tanh", func(g *Tensor) []*Tensor {
		return []*Tensor{chain(g, out, func(dst, g, y []float32) {
			for i, v := range y {
				dst[i] = g[i] * (1 - v*v)
			}
		}, func() *Tensor { return AddScalar(Neg(Square(out)), 1) })}
	}, x)
}

// Sigmoid returns 1/(1+e^-x) elementwise. Its backward uses the output:
// d sigmoid = s(1-s).
func Sigmoid(x *Tensor) *Tensor {
	out := mapUnary(x, kernels.SigmoidSlice)
	return record(out, "Sigmoid", func(g *Tensor) []*Tensor {
		return []*Tensor{chain(g, out, func(dst, g, y []float32) {
			for i, v := range y {
				dst[i] = g[i] * v * (1 - v)
			}
		}, func() *Tensor { return Mul(out, AddScalar(Neg(out), 1)) })}
	}, x)
}

// LogSigmoid returns log(sigmoid(x)) = -softplus(-x), finite for any x.
func LogSigmoid(x *Tensor) *Tensor { return Neg(Softplus(Neg(x))) }

// ReLU returns max(x, 0) elementwise; the gradient at 0 is 0.
func ReLU(x *Tensor) *Tensor { return LeakyReLU(x, 0) }

// LeakyReLU returns x for x > 0 and slope·x otherwise; its derivative is 1
// for x > 0 and slope otherwise (PyTorch's rule at 0). The loops are the
// kernels package's vector ones: with a branch per element of unpredictable
// sign this op cost 3 ns/element.
//
// With slope ≥ 0 the backward pass reads the result, not x: the result is
// ≤ 0 exactly where x is (NaN in both; only x = −Inf with slope 0 differs,
// where the result is already NaN), so the derivative is the same, and x
// need not be kept (a batch norm's output before it, say, can be released
// as soon as the activation has read it).
func LeakyReLU(x *Tensor, slope float32) *Tensor {
	out := mapUnary(x, func(dst, src []float32) { kernels.LeakyReLU(dst, src, slope) })
	grad := func(dst, g, x []float32) { kernels.LeakyReLUGrad(dst, g, x, slope) }
	name, sign := "LeakyReLU", out
	switch {
	case slope == 0:
		name = "ReLU"
	case slope < 0: // the result's sign no longer tells x's
		name, sign = "LeakyReLU (negative slope)", x
	}
	return record(out, name, func(g *Tensor) []*Tensor {
		return []*Tensor{chain(g, sign, grad, func() *Tensor { return slopeOf(sign, grad) })}
	}, x)
}

// ReLU6 returns min(max(x, 0), 6) elementwise (Clamp's gradient rule).
func ReLU6(x *Tensor) *Tensor { return Clamp(x, 0, 6) }

// HardTanh returns x clamped to [-1, 1] (Clamp's gradient rule).
func HardTanh(x *Tensor) *Tensor { return Clamp(x, -1, 1) }

// ELU returns x for x > 0 and alpha·(e^x - 1) otherwise; alpha must be > 0.
func ELU(x *Tensor, alpha float32) *Tensor { return expLinear("ELU", x, 1, alpha, 1) }

// CELU returns max(0, x) + min(0, alpha·(e^(x/alpha) - 1)); alpha must be > 0.
func CELU(x *Tensor, alpha float32) *Tensor { return expLinear("CELU", x, 1, alpha, 1/alpha) }

// SELU returns the self-normalising scale·ELU(x, alpha) with the constants
// of Klambauer et al. (2017).
func SELU(x *Tensor) *Tensor {
	const alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
	return expLinear("SELU", x, scale, alpha, 1)
}

// expLinear computes the ELU family: s·x for x > 0, s·alpha·(e^(beta·x) - 1)
// otherwise. For x <= 0 the derivative s·alpha·beta·e^(beta·x) equals
// beta·(out + s·alpha), so backward needs only the output, whose sign
// tells the two branches apart when s and alpha are positive.
func expLinear(op string, x *Tensor, s, alpha, beta float32) *Tensor {
	if !(alpha > 0) {
		panic(fmt.Sprintf("%s: alpha must be > 0, got %g (tensor of shape %v)", op, alpha, x.shape))
	}
	sa := s * alpha
	out := mapUnary(x, func(dst, src []float32) {
		for i, v := range src {
			if v > 0 {
				dst[i] = s * v
			} else {
				dst[i] = sa * kernels.Expm1(beta*v)
			}
		}
	})
	return record(out, op, func(g *Tensor) []*Tensor {
		return []*Tensor{chain(g, out, func(dst, g, y []float32) {
			for i, v := range y {
				if v > 0 {
					dst[i] = g[i] * s
				} else {
					dst[i] = g[i] * beta * (v + sa)
				}
			}
		}, func() *Tensor {
			pos := mapUnary(out, func(dst, src []float32) {
				for i, v := range src {
					if v > 0 {
						dst[i] = 1
					}
				}
			})
			neg := AddScalar(Neg(pos), 1)
			return Add(Scale(pos, s), Mul(neg, Scale(AddScalar(out, sa), beta)))
		})}
	}, x)
}

// GELU returns x·Φ(x), Φ the standard normal CDF, in its exact erf form.
// The fused backward computes g·(Φ(x) + xφ(x)) from x in one vector pass.
func GELU(x *Tensor) *Tensor {
	out := mapUnary(x, kernels.GELUSlice)
	return record(out, "GELU", func(g *Tensor) []*Tensor {
		return []*Tensor{chain(g, x, kernels.GELUGrad, func() *Tensor {
			cdf := Scale(AddScalar(Erf(Scale(x, 1/math.Sqrt2)), 1), 0.5)
			pdf := Scale(Exp(Scale(Square(x), -0.5)), float32(1/math.Sqrt(2*math.Pi)))
			return Add(cdf, Mul(x, pdf))
		})}
	}, x)
}

// Constants of the tanh approximation of GELU (Hendrycks & Gimpel).
const (
	geluC = 0.7978845608028654 // sqrt(2/π)
	geluK = 0.044715
)

// GELUTanh returns the tanh approximation of GELU,
// 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))).
// The kernels compute it as x·sigmoid(2u), which equals it and does not
// cancel for negative x.
func GELUTanh(x *Tensor) *Tensor {
	out := mapUnary(x, kernels.GELUTanhSlice)
	return record(out, "GELUTanh", func(g *Tensor) []*Tensor {
		// For the recorded gradient, with t = tanh(u), u = c(x + kx³):
		// d/dx = (1+t)/2 + x(1-t²)·c(1+3kx²)/2.
		return []*Tensor{chain(g, x, kernels.GELUTanhGrad, func() *Tensor {
			x2 := Square(x)
			t := Tanh(Scale(Add(x, Scale(Mul(x2, x), geluK)), geluC))
			du := Scale(AddScalar(Scale(x2, 3*geluK), 1), geluC)
			return Add(Scale(AddScalar(t, 1), 0.5), Mul(Scale(x, 0.5), Mul(AddScalar(Neg(Square(t)), 1), du)))
		})}
	}, x)
}

// SiLU returns x·sigmoid(x) (also called swish). Its derivative is
// σ(x)(1 + x(1 - σ(x))).
func SiLU(x *Tensor) *Tensor {
	out := mapUnary(x, kernels.SiLUSlice)
	return record(out, "SiLU", func(g *Tensor) []*Tensor {
		return []*Tensor{chain(g, x, kernels.SiLUGrad, func() *Tensor {
			s := Sigmoid(x)
			return Mul(s, AddScalar(Mul(x, AddScalar(Neg(s), 1)), 1))
		})}
	}, x)
}

// Softplus returns log(1 + e^x) elementwise, computed as
// max(x, 0) + log1p(e^-|x|) so that it neither overflows for large x nor
// loses the tiny values for very negative x. Its derivative is sigmoid(x).
func Softplus(x *Tensor) *Tensor {
	out := mapUnary(x, kernels.SoftplusSlice)
	return record(out, "Softplus", func(g *Tensor) []*Tensor {
		return []*Tensor{chain(g, x, kernels.SoftplusGrad, func() *Tensor { return Sigmoid(x) })}
	}, x)
}

// Softsign returns x/(1 + |x|) elementwise.
func Softsign(x *Tensor) *Tensor {
	out := mapUnary(x, func(dst, src []float32) {
		for i, v := range src {
			dst[i] = v / (1 + float32(math.Abs(float64(v))))
		}
	})
	return record(out, "Softsign", func(g *Tensor) []*Tensor {
		// d/dx = 1/(1+|x|)²
		return []*Tensor{chain(g, x, func(dst, g, x []float32) {
			for i, v := range x {
				d := 1 + float32(math.Abs(float64(v)))
				dst[i] = g[i] / (d * d)
			}
		}, func() *Tensor { return PowScalar(AddScalar(Abs(x), 1), -2) })}
	}, x)
}

// Mish returns x·tanh(softplus(x)) (Misra 2019).
func Mish(x *Tensor) *Tensor { return Mul(x, Tanh(Softplus(x))) }
