package tensor

import (
	"fmt"

	"github.com/artifex-go/artifex/internal/kernels"
)

// The arithmetic kernels run on the vector slice kernels of the kernels
// package, a run against a run or against one broadcast value.

func addKernel(dst, a, b []float32, ia, ib int) {
	switch {
	case ia == 1 && ib == 1:
		kernels.Add(dst, a, b)
	case ia == 1:
		kernels.AddScalar(dst, a, b[0])
	case ib == 1:
		kernels.AddScalar(dst, b, a[0])
	default:
		fillWith(dst, a[0]+b[0])
	}
}

func subKernel(dst, a, b []float32, ia, ib int) {
	switch {
	case ia == 1 && ib == 1:
		kernels.Sub(dst, a, b)
	case ia == 1:
		// a - v is a + (-v) in IEEE arithmetic, to the bit.
		kernels.AddScalar(dst, a, -b[0])
	case ib == 1:
		kernels.RSubScalar(dst, b, a[0])
	default:
		fillWith(dst, a[0]-b[0])
	}
}

func mulKernel(dst, a, b []float32, ia, ib int) {
	switch {
	case ia == 1 && ib == 1:
		kernels.Mul(dst, a, b)
	case ia == 1:
		kernels.MulScalar(dst, a, b[0])
	case ib == 1:
		kernels.MulScalar(dst, b, a[0])
	default:
		fillWith(dst, a[0]*b[0])
	}
}

// fillWith sets every element of dst to v.
func fillWith(dst []float32, v float32) {
	for i := range dst {
		dst[i] = v
	}
}

func divKernel(dst, a, b []float32, ia, ib int) {
	switch {
	case ia == 1 && ib == 1:
		a, b = a[:len(dst)], b[:len(dst)]
		for i := range dst {
			dst[i] = a[i] / b[i]
		}
	case ia == 1:
		kernels.MulScalar(dst, a, 1/b[0])
	case ib == 1:
		v := a[0]
		b = b[:len(dst)]
		for i := range dst {
			dst[i] = v / b[i]
		}
	default:
		fillWith(dst, a[0]/b[0])
	}
}

// Add returns a + b with broadcasting.
func Add(a, b *Tensor) *Tensor {
	out := broadcastBinary("Add", a, b, addKernel)
	as, bs := a.shape, b.shape // not a and b: their values are not needed
	return record(out, "Add", func(g *Tensor) []*Tensor {
		return []*Tensor{SumTo(g, as), SumTo(g, bs)}
	}, a, b)
}

// Sub returns a - b with broadcasting.
func Sub(a, b *Tensor) *Tensor {
	out := broadcastBinary("Sub", a, b, subKernel)
	as, bs := a.shape, b.shape
	return record(out, "Sub", func(g *Tensor) []*Tensor {
		// Negating after the reduction touches b's elements, not g's.
		return []*Tensor{SumTo(g, as), Neg(SumTo(g, bs))}
	}, a, b)
}

// Mul returns a * b elementwise with broadcasting.
func Mul(a, b *Tensor) *Tensor {
	out := broadcastBinary("Mul", a, b, mulKernel)
	// Each operand is kept only for the other's gradient: a dropout mask
	// or a constant factor keeps the activation it multiplies from being
	// held.
	as, bs := a.shape, b.shape
	keepA, keepB := keptFor(a, b.requiresGrad), keptFor(b, a.requiresGrad)
	return record(out, "Mul", func(g *Tensor) []*Tensor {
		var ga, gb *Tensor
		if keepB != nil {
			ga = SumTo(Mul(g, keepB), as)
		}
		if keepA != nil {
			gb = SumTo(Mul(g, keepA), bs)
		}
		return []*Tensor{ga, gb}
	}, a, b)
}

// keptFor returns t when needed (another operand's gradient reads t's
// values) and nil otherwise, for a backward rule to capture.
func keptFor(t *Tensor, needed bool) *Tensor {
	if needed {
		return t
	}
	return nil
}

// Div returns a / b elementwise with broadcasting.
func Div(a, b *Tensor) *Tensor {
	out := broadcastBinary("Div", a, b, divKernel)
	as, bs, ga0, gb0 := a.shape, b.shape, a.requiresGrad, b.requiresGrad
	return record(out, "Div", func(g *Tensor) []*Tensor {
		var ga, gb *Tensor
		if ga0 {
			ga = SumTo(Div(g, b), as)
		}
		if gb0 {
			// d(a/b)/db = -a/b² = -out/b
			gb = SumTo(Neg(Div(Mul(g, out), b)), bs)
		}
		return []*Tensor{ga, gb}
	}, a, b)
}

// Neg returns -x.
func Neg(x *Tensor) *Tensor { return Scale(x, -1) }

// Scale returns x * s for a constant s.
func Scale(x *Tensor, s float32) *Tensor {
	out := mapUnary(x, func(dst, src []float32) { kernels.MulScalar(dst, src, s) })
	return record(out, "Scale", func(g *Tensor) []*Tensor {
		return []*Tensor{Scale(g, s)}
	}, x)
}

// AddScalar returns x + s for a constant s.
func AddScalar(x *Tensor, s float32) *Tensor {
	out := mapUnary(x, func(dst, src []float32) { kernels.AddScalar(dst, src, s) })
	return record(out, "AddScalar", func(g *Tensor) []*Tensor {
		return []*Tensor{g}
	}, x)
}

// Reshape returns a tensor with the same values and a new shape. One
// dimension may be -1 and is inferred. The storage is shared.
func Reshape(x *Tensor, shape ...int) *Tensor {
	shape = append([]int(nil), shape...)
	infer, known := -1, 1
	for i, d := range shape {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			panic(fmt.Sprintf("Reshape: bad shape %v for tensor of shape %v", shape, x.shape))
		default:
			known *= d
		}
	}
	if infer >= 0 {
		if known == 0 || len(x.data)%known != 0 {
			panic(fmt.Sprintf("Reshape: cannot reshape %v into %v", x.shape, shape))
		}
		shape[infer] = len(x.data) / known
	}
	if numel(shape) != len(x.data) {
		panic(fmt.Sprintf("Reshape: cannot reshape %v (%d elements) into %v", x.shape, len(x.data), shape))
	}
	out := &Tensor{shape: shape, data: x.data}
	xs := x.shape
	return record(out, "Reshape", func(g *Tensor) []*Tensor {
		return []*Tensor{Reshape(g, xs...)}
	}, x)
}

// Flatten reshapes x to [x.Dim(0), rest].
func Flatten(x *Tensor) *Tensor {
	if len(x.shape) == 0 {
		return Reshape(x, 1, 1)
	}
	return Reshape(x, x.shape[0], -1)
}
