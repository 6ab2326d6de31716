package tensor

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/internal/kernels"
)

// parallelGrain is the element count below which elementwise work stays on
// the calling goroutine: for smaller tensors the hand-off costs more than a
// second core saves.
const parallelGrain = 1 << 15

// mapUnary returns k applied to x's storage, split over cores when large.
// k sees whole chunks, so the per-element loop has no indirect calls.
func mapUnary(x *Tensor, k func(dst, src []float32)) *Tensor {
	out := uninit(x.shape)
	kernels.Parallel(len(out.data), parallelGrain, func(lo, hi int) {
		k(out.data[lo:hi], x.data[lo:hi])
	})
	return out
}

// mapGrad returns k(g, v) for two tensors of one shape: the fused
// "gradient times derivative" kernels of the elementwise ops.
func mapGrad(g, v *Tensor, k func(dst, g, v []float32)) *Tensor {
	out := uninit(v.shape)
	kernels.Parallel(len(out.data), parallelGrain, func(lo, hi int) {
		k(out.data[lo:hi], g.data[lo:hi], v.data[lo:hi])
	})
	return out
}

// chain returns g * f'(·) for an elementwise f. During an ordinary backward
// pass nothing is recorded, and the fused kernel k(dst, g, v) does it in one
// pass over memory. When the gradient is itself being recorded (Grad with
// createGraph) it is built as Mul(g, deriv()) from differentiable ops, so
// that gradient penalties get correct second derivatives.
func chain(g, v *Tensor, k func(dst, g, v []float32), deriv func() *Tensor) *Tensor {
	if GradEnabled() {
		return Mul(g, deriv())
	}
	return mapGrad(g, v, k)
}

// slopeOf returns f'(x) as a constant tensor for a piecewise-linear f, by
// running its fused kernel on a gradient of ones. Its own derivative is zero
// almost everywhere, so it needs no history.
func slopeOf(x *Tensor, k func(dst, g, v []float32)) *Tensor {
	return mapGrad(OnesLike(x), x, k)
}

// Exp returns e^x elementwise.
func Exp(x *Tensor) *Tensor {
	out := mapUnary(x, kernels.ExpSlice)
	return record(out, "Exp", func(g *Tensor) []*Tensor {
		return []*Tensor{Mul(g, out)}
	}, x)
}

// Expm1 returns e^x - 1 elementwise, accurate for small x.
func Expm1(x *Tensor) *Tensor {
	out := mapUnary(x, func(dst, src []float32) {
		for i, v := range src {
			dst[i] = kernels.Expm1(v)
		}
	})
	return record(out, "Expm1", func(g *Tensor) []*Tensor {
		return []*Tensor{Mul(g, AddScalar(out, 1))}
	}, x)
}

// Log returns the natural logarithm elementwise (-Inf at 0, NaN below).
func Log(x *Tensor) *Tensor {
	out := mapUnary(x, func(dst, src []float32) {
		for i, v := range src {
			dst[i] = kernels.Log(v)
		}
	})
	return record(out, "Log", func(g *Tensor) []*Tensor {
		return []*Tensor{Div(g, x)}
	}, x)
}

// Log1p returns log(1 + x) elementwise, accurate for small x.
func Log1p(x *Tensor) *Tensor {
	out := mapUnary(x, func(dst, src []float32) {
		for i, v := range src {
			dst[i] = kernels.Log1p(v)
		}
	})
	return record(out, "Log1p", func(g *Tensor) []*Tensor {
		return []*Tensor{Div(g, AddScalar(x, 1))}
	}, x)
}

// Sqrt returns the square root elementwise.
func Sqrt(x *Tensor) *Tensor {
	out := mapUnary(x, func(dst, src []float32) {
		for i, v := range src {
			dst[i] = float32(math.Sqrt(float64(v))) // compiles to one SQRTSD
		}
	})
	return record(out, "Sqrt", func(g *Tensor) []*Tensor {
		return []*Tensor{Scale(Div(g, out), 0.5)}
	}, x)
}

// Rsqrt returns 1/sqrt(x) elementwise.
func Rsqrt(x *Tensor) *Tensor {
	out := mapUnary(x, func(dst, src []float32) {
		for i, v := range src {
			dst[i] = float32(1 / math.Sqrt(float64(v)))
		}
	})
	return record(out, "Rsqrt", func(g *Tensor) []*Tensor {
		// d/dx x^(-1/2) = -x^(-3/2)/2 = -out/(2x)
		return []*Tensor{Mul(g, Scale(Div(out, x), -0.5))}
	}, x)
}

// Square returns x² elementwise.
func Square(x *Tensor) *Tensor {
	out := mapUnary(x, func(dst, src []float32) {
		for i, v := range src {
			dst[i] = v * v
		}
	})
	return record(out, "Square", func(g *Tensor) []*Tensor {
		return []*Tensor{Mul(g, Scale(x, 2))}
	}, x)
}

// absGrad is g·sign(x), with zero gradient at 0 as in PyTorch.
func absGrad(dst, g, x []float32) {
	for i, v := range x {
		switch {
		case v > 0:
			dst[i] = g[i]
		case v < 0:
			dst[i] = -g[i]
		default:
			dst[i] = 0
		}
	}
}

// Abs returns |x| elementwise; the gradient at 0 is 0.
func Abs(x *Tensor) *Tensor {
	out := mapUnary(x, func(dst, src []float32) {
		for i, v := range src {
			dst[i] = math.Float32frombits(math.Float32bits(v) &^ (1 << 31))
		}
	})
	return record(out, "Abs", func(g *Tensor) []*Tensor {
		return []*Tensor{chain(g, x, absGrad, func() *Tensor { return slopeOf(x, absGrad) })}
	}, x)
}

// Sign returns -1, 0 or 1 elementwise (NaN stays NaN). Its gradient is zero.
func Sign(x *Tensor) *Tensor {
	out := mapUnary(x, func(dst, src []float32) {
		for i, v := range src {
			switch {
			case v > 0:
				dst[i] = 1
			case v < 0:
				dst[i] = -1
			default:
				dst[i] = v // keeps 0 and NaN
			}
		}
	})
	return record(out, "Sign", func(g *Tensor) []*Tensor {
		return []*Tensor{ZerosLike(x)}
	}, x)
}

// Sin returns sin(x) elementwise.
func Sin(x *Tensor) *Tensor {
	out := mapUnary(x, func(dst, src []float32) {
		for i, v := range src {
			dst[i] = float32(math.Sin(float64(v)))
		}
	})
	return record(out, "Sin", func(g *Tensor) []*Tensor {
		return []*Tensor{Mul(g, Cos(x))}
	}, x)
}

// Cos returns cos(x) elementwise.
func Cos(x *Tensor) *Tensor {
	out := mapUnary(x, func(dst, src []float32) {
		for i, v := range src {
			dst[i] = float32(math.Cos(float64(v)))
		}
	})
	return record(out, "Cos", func(g *Tensor) []*Tensor {
		return []*Tensor{Mul(g, Neg(Sin(x)))}
	}, x)
}

// Erf returns the error function elementwise.
func Erf(x *Tensor) *Tensor {
	out := mapUnary(x, func(dst, src []float32) {
		for i, v := range src {
			dst[i] = float32(math.Erf(float64(v)))
		}
	})
	return record(out, "Erf", func(g *Tensor) []*Tensor {
		return []*Tensor{Mul(g, Scale(Exp(Neg(Square(x))), 2/math.SqrtPi))}
	}, x)
}

// Clamp limits x to [lo, hi] elementwise. The gradient is 1 where
// lo <= x <= hi (boundaries included, as in PyTorch) and 0 outside.
func Clamp(x *Tensor, lo, hi float32) *Tensor {
	if lo > hi {
		panic(fmt.Sprintf("Clamp: lo %g > hi %g (tensor of shape %v)", lo, hi, x.shape))
	}
	out := mapUnary(x, func(dst, src []float32) {
		for i, v := range src {
			if v < lo {
				v = lo
			} else if v > hi {
				v = hi
			}
			dst[i] = v
		}
	})
	inside := func(dst, g, x []float32) {
		for i, v := range x {
			if v >= lo && v <= hi {
				dst[i] = g[i]
			} else {
				dst[i] = 0
			}
		}
	}
	return record(out, "Clamp", func(g *Tensor) []*Tensor {
		return []*Tensor{chain(g, x, inside, func() *Tensor { return slopeOf(x, inside) })}
	}, x)
}

// PowScalar returns x^p elementwise for a constant exponent p.
func PowScalar(x *Tensor, p float32) *Tensor {
	var out *Tensor
	switch p {
	case 1:
		out = x.Clone()
	case 2:
		out = mapUnary(x, func(dst, src []float32) {
			for i, v := range src {
				dst[i] = v * v
			}
		})
	case 0.5:
		out = mapUnary(x, func(dst, src []float32) {
			for i, v := range src {
				dst[i] = float32(math.Sqrt(float64(v)))
			}
		})
	default:
		pp := float64(p)
		out = mapUnary(x, func(dst, src []float32) {
			for i, v := range src {
				dst[i] = float32(math.Pow(float64(v), pp))
			}
		})
	}
	return record(out, "PowScalar", func(g *Tensor) []*Tensor {
		if p == 0 {
			return []*Tensor{ZerosLike(x)} // x^(p-1) would be Inf at 0
		}
		return []*Tensor{Mul(g, Scale(PowScalar(x, p-1), p))}
	}, x)
}
