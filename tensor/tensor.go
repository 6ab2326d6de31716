package tensor

import (
	"fmt"
	"strings"
)

// Tensor is an n-dimensional array of float32 with an optional gradient.
type Tensor struct {
	shape        []int
	data         []float32
	requiresGrad bool
	grad         *Tensor
	node         *node // the operation that produced this tensor; nil for leaves
}

// numel returns the number of elements of a shape, panicking on negative
// dims and, with a *SizeError, on a size over MaxElements.
func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("tensor: negative dimension in shape %v", shape))
		}
		if d > 0 && n > MaxElements/d {
			panic(&SizeError{Shape: append([]int(nil), shape...), Limit: MaxElements})
		}
		n *= d
	}
	return n
}

// wrap makes a tensor that owns data; it does not copy.
func wrap(data []float32, shape []int) *Tensor {
	return &Tensor{shape: append([]int(nil), shape...), data: data}
}

// empty returns a tensor of the given shape whose contents are zero (from
// the running step's Arena, if any).
func empty(shape []int) *Tensor {
	return wrap(take(numel(shape)), shape)
}

// uninit returns a tensor of the given shape for an op that writes every
// element: from an Arena its values are a recycled buffer's.
func uninit(shape []int) *Tensor {
	return wrap(takeUninit(numel(shape)), shape)
}

// FromSlice returns a tensor of the given shape backed by data (not copied).
// With no shape the tensor is one-dimensional. It panics when the number of
// elements does not match the shape.
func FromSlice(data []float32, shape ...int) *Tensor {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	if n := numel(shape); n != len(data) {
		panic(fmt.Sprintf("tensor: FromSlice: %d values do not fill shape %v (%d elements)", len(data), shape, n))
	}
	return wrap(data, shape)
}

// Zeros returns a tensor of zeros.
func Zeros(shape ...int) *Tensor { return empty(shape) }

// Ones returns a tensor of ones.
func Ones(shape ...int) *Tensor { return Full(1, shape...) }

// Full returns a tensor filled with v.
func Full(v float32, shape ...int) *Tensor {
	t := empty(shape)
	if v != 0 {
		for i := range t.data {
			t.data[i] = v
		}
	}
	return t
}

// Scalar returns a zero-dimensional tensor holding v.
func Scalar(v float32) *Tensor { return wrap([]float32{v}, nil) }

// Arange returns the one-dimensional tensor start, start+step, ... < stop.
func Arange(start, stop, step float32) *Tensor {
	if step == 0 {
		panic("tensor: Arange: step must not be zero")
	}
	var vals []float32
	for v := start; (step > 0 && v < stop) || (step < 0 && v > stop); v += step {
		vals = append(vals, v)
	}
	return wrap(vals, []int{len(vals)})
}

// ZerosLike returns zeros with the shape of t.
func ZerosLike(t *Tensor) *Tensor { return empty(t.shape) }

// OnesLike returns ones with the shape of t.
func OnesLike(t *Tensor) *Tensor { return Full(1, t.shape...) }

// Shape returns the dimensions of t. The slice must not be modified.
func (t *Tensor) Shape() []int { return t.shape }

// NDim returns the number of dimensions.
func (t *Tensor) NDim() int { return len(t.shape) }

// Dim returns the size of dimension i; negative i counts from the end.
func (t *Tensor) Dim(i int) int { return t.shape[t.axis(i, "Dim")] }

// Size returns the number of elements.
func (t *Tensor) Size() int { return len(t.data) }

// Data returns the underlying storage in row-major order. Writing to it
// changes the tensor; do so only outside recorded computations.
func (t *Tensor) Data() []float32 { return t.data }

// Item returns the single value of a one-element tensor.
func (t *Tensor) Item() float32 {
	if len(t.data) != 1 {
		panic(fmt.Sprintf("tensor: Item on a tensor of shape %v (%d elements)", t.shape, len(t.data)))
	}
	return t.data[0]
}

// At returns the element at the given multi-index.
func (t *Tensor) At(idx ...int) float32 {
	if len(idx) != len(t.shape) {
		panic(fmt.Sprintf("tensor: At: %d indices for shape %v", len(idx), t.shape))
	}
	off := 0
	for i, v := range idx {
		if v < 0 || v >= t.shape[i] {
			panic(fmt.Sprintf("tensor: At: index %v out of range for shape %v", idx, t.shape))
		}
		off = off*t.shape[i] + v
	}
	return t.data[off]
}

// Clone returns a copy of t's values with no gradient history.
func (t *Tensor) Clone() *Tensor {
	return wrap(append([]float32(nil), t.data...), t.shape)
}

// axis normalises a possibly negative axis, panicking with op's name.
func (t *Tensor) axis(a int, op string) int {
	n, given := len(t.shape), a
	if a < 0 {
		a += n
	}
	if a < 0 || a >= n {
		panic(fmt.Sprintf("%s: axis %d out of range for shape %v", op, given, t.shape))
	}
	return a
}

// SameShape reports whether a and b have identical shapes.
func SameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// String renders the tensor for debugging; large tensors are abbreviated.
func (t *Tensor) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Tensor%v", t.shape)
	if t.node != nil {
		fmt.Fprintf(&b, "(grad_fn=%s)", t.node.op)
	} else if t.requiresGrad {
		b.WriteString("(requires_grad)")
	}
	b.WriteByte(' ')
	const limit = 6
	var rec func(dim, off int)
	rec = func(dim, off int) {
		if dim == len(t.shape) {
			fmt.Fprintf(&b, "%.4g", t.data[off])
			return
		}
		stride := 1
		for _, d := range t.shape[dim+1:] {
			stride *= d
		}
		b.WriteByte('[')
		for i := 0; i < t.shape[dim]; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			if t.shape[dim] > limit && i == limit/2 {
				b.WriteString("...")
				i = t.shape[dim] - limit/2 - 1
				continue
			}
			rec(dim+1, off+i*stride)
		}
		b.WriteByte(']')
	}
	rec(0, 0)
	return b.String()
}
