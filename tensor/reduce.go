package tensor

import (
	"fmt"
	"math"
)

// reduceShapes validates axes for op (negative axes count from the end; an
// empty list means every axis) and returns the shape with the reduced axes
// kept as 1 and the result shape that honours keepDim.
func reduceShapes(op string, x *Tensor, axes []int, keepDim bool) (keep, out []int) {
	keep = append([]int(nil), x.shape...)
	reduced := make([]bool, len(x.shape))
	if len(axes) == 0 {
		for i := range reduced {
			reduced[i] = true
		}
	}
	for _, a := range axes {
		a = x.axis(a, op)
		if reduced[a] {
			panic(fmt.Sprintf("%s: axis %d repeated in %v for shape %v", op, a, axes, x.shape))
		}
		reduced[a] = true
	}
	for i, r := range reduced {
		if r {
			keep[i] = 1
		}
		if !r || keepDim {
			out = append(out, keep[i])
		}
	}
	return keep, out
}

// SumAxes sums x over axes (negative axes count from the end; none means
// all). With keepDim the reduced axes stay as size 1.
func SumAxes(x *Tensor, axes []int, keepDim bool) *Tensor {
	keep, out := reduceShapes("SumAxes", x, axes, keepDim)
	// SumTo already walks coalesced runs: a contiguous row sum when the last
	// axes are reduced, a vector accumulation when leading axes are.
	return Reshape(SumTo(x, keep), out...)
}

// MeanAxes averages x over axes, like SumAxes.
func MeanAxes(x *Tensor, axes []int, keepDim bool) *Tensor {
	s := SumAxes(x, axes, keepDim)
	if len(x.data) == 0 {
		panic(fmt.Sprintf("MeanAxes: empty tensor of shape %v", x.shape))
	}
	return Scale(s, float32(len(s.data))/float32(len(x.data)))
}

// MaxAxes returns the maximum of x over axes, like SumAxes. The gradient
// goes to the first maximal element of each reduced group; NaN counts as
// the maximum.
func MaxAxes(x *Tensor, axes []int, keepDim bool) *Tensor {
	return extremeAxes("MaxAxes", x, axes, keepDim, 1)
}

// MinAxes returns the minimum of x over axes, like SumAxes. The gradient
// goes to the first minimal element of each reduced group; NaN counts as
// the minimum.
func MinAxes(x *Tensor, axes []int, keepDim bool) *Tensor {
	return extremeAxes("MinAxes", x, axes, keepDim, -1)
}

// extremeAxes implements MaxAxes (dir = 1) and MinAxes (dir = -1).
func extremeAxes(op string, x *Tensor, axes []int, keepDim bool, dir float32) *Tensor {
	keep, shape := reduceShapes(op, x, axes, keepDim)
	if len(x.data) == 0 {
		panic(fmt.Sprintf("%s: empty tensor of shape %v", op, x.shape))
	}
	out := empty(keep)
	arg := make([]int, len(out.data))
	for i := range arg {
		arg[i] = -1
	}
	// A value replaces the best so far when there is none yet, when it is
	// strictly better (visiting in increasing index order, so the first of
	// equal values stays), or when it is the first NaN.
	bcastLoop(x.shape, contiguousStrides(x.shape), broadcastStrides(keep, x.shape), func(_, ox, oo, n, _, io int) {
		src := x.data[ox : ox+n]
		if io == 0 {
			best, bi := out.data[oo], arg[oo]
			for i, v := range src {
				if bi < 0 || dir*v > dir*best || (v != v && best == best) {
					best, bi = v, ox+i
				}
			}
			out.data[oo], arg[oo] = best, bi
			return
		}
		dst, dArg := out.data[oo:oo+n], arg[oo:oo+n]
		for i, v := range src {
			if c := dst[i]; dArg[i] < 0 || dir*v > dir*c || (v != v && c == c) {
				dst[i], dArg[i] = v, ox+i
			}
		}
	})
	res := record(out, op, func(g *Tensor) []*Tensor {
		mask := empty(x.shape)
		for _, i := range arg {
			mask.data[i] = 1
		}
		return []*Tensor{Mul(Expand(g, x.shape), mask)}
	}, x)
	return Reshape(res, shape...)
}

// LogSumExp returns log(Σ exp(x)) over axes, like SumAxes, computed after
// subtracting the maximum so that large inputs neither overflow nor
// underflow. Its gradient is the softmax of x over the axes.
func LogSumExp(x *Tensor, axes []int, keepDim bool) *Tensor {
	keep, shape := reduceShapes("LogSumExp", x, axes, keepDim)
	var out *Tensor
	NoGrad(func() {
		m := MaxAxes(x, axes, true)
		for i, v := range m.data {
			if math.IsInf(float64(v), 0) {
				m.data[i] = 0 // all -Inf (or an Inf) in the group: shifting would make NaN
			}
		}
		out = Add(Log(SumTo(Exp(Sub(x, m)), keep)), m)
	})
	res := record(out, "LogSumExp", func(g *Tensor) []*Tensor {
		return []*Tensor{Mul(g, Exp(Sub(x, out)))}
	}, x)
	return Reshape(res, shape...)
}

// Var returns the variance of x over axes, like SumAxes. With unbiased the
// sum of squares is divided by n-1 (Bessel's correction; a group of one
// element then gives NaN, as in PyTorch), otherwise by n.
func Var(x *Tensor, axes []int, keepDim, unbiased bool) *Tensor {
	keep, _ := reduceShapes("Var", x, axes, keepDim)
	d := Sub(x, MeanAxes(x, axes, true))
	n := float32(len(x.data) / max(numel(keep), 1))
	if unbiased {
		n--
	}
	// n = 0 scales the zero sum of squares by +Inf, giving NaN.
	return Scale(SumAxes(Square(d), axes, keepDim), 1/n)
}
