package tensor

import (
	"fmt"
	"strings"
)

// Squeeze removes size-1 axes: the given ones, or all of them when none are
// given. Unlike PyTorch, naming an axis whose size is not 1 panics, because
// that is almost always a shape bug upstream. The storage is shared.
func Squeeze(x *Tensor, axes ...int) *Tensor {
	drop := make([]bool, len(x.shape))
	if len(axes) == 0 {
		for a, d := range x.shape {
			drop[a] = d == 1
		}
	}
	for _, ax := range axes {
		a := x.axis(ax, "Squeeze")
		if x.shape[a] != 1 {
			panic(fmt.Sprintf("Squeeze: axis %d of shape %v has size %d, not 1", ax, x.shape, x.shape[a]))
		}
		drop[a] = true
	}
	shape := []int{}
	for a, d := range x.shape {
		if !drop[a] {
			shape = append(shape, d)
		}
	}
	return Reshape(x, shape...)
}

// Unsqueeze inserts a size-1 axis so that it becomes axis axis of the
// result; axis may be in [-(rank+1), rank], negative counting from the end
// of the result. The storage is shared.
func Unsqueeze(x *Tensor, axis int) *Tensor {
	nd := len(x.shape)
	a := axis
	if a < 0 {
		a += nd + 1
	}
	if a < 0 || a > nd {
		panic(fmt.Sprintf("Unsqueeze: axis %d out of range for shape %v", axis, x.shape))
	}
	shape := make([]int, 0, nd+1)
	shape = append(shape, x.shape[:a]...)
	shape = append(shape, 1)
	shape = append(shape, x.shape[a:]...)
	return Reshape(x, shape...)
}

// aroundAxis returns the number of elements before, along and after axis a
// of shape in row-major order.
func aroundAxis(shape []int, a int) (outer, n, inner int) {
	return numel(shape[:a]), shape[a], numel(shape[a+1:])
}

// Concat joins tensors along axis; their shapes must agree elsewhere. The
// gradient of each input is its slice of the output gradient.
func Concat(axis int, xs ...*Tensor) *Tensor {
	if len(xs) == 0 {
		panic("Concat: no tensors")
	}
	first := xs[0]
	a := first.axis(axis, "Concat")
	shape := append([]int(nil), first.shape...)
	shape[a] = 0
	for i, x := range xs {
		if !sameExcept(x.shape, first.shape, a) {
			panic(fmt.Sprintf("Concat: shape %v of input %d does not match %v outside axis %d (inputs %s)", x.shape, i, first.shape, axis, shapeList(xs)))
		}
		shape[a] += x.shape[a]
	}
	out := uninit(shape) // the parts tile it
	outer, total, inner := aroundAxis(shape, a)
	sizes, needs := make([]int, len(xs)), make([]bool, len(xs))
	parts := make([][]float32, len(xs))
	for i, x := range xs {
		sizes[i], needs[i], parts[i] = x.shape[a], x.requiresGrad, x.data
	}
	concatCopy(out.data, parts, sizes, outer, total, inner, true)
	return record(out, "Concat", func(g *Tensor) []*Tensor {
		grads := make([]*Tensor, len(sizes))
		if GradEnabled() {
			// Recorded for a higher derivative: differentiable slices.
			start := 0
			for i, n := range sizes {
				if needs[i] {
					grads[i] = Narrow(g, a, start, n)
				}
				start += n
			}
			return grads
		}
		// Otherwise each slice is one copy back out of g.
		parts := make([][]float32, len(sizes))
		for i, n := range sizes {
			if needs[i] {
				s := append([]int(nil), shape...)
				s[a] = n
				grads[i] = empty(s)
				parts[i] = grads[i].data
			}
		}
		concatCopy(g.data, parts, sizes, outer, total, inner, false)
		return grads
	}, xs...)
}

// concatCopy copies between whole, laid out as [outer, total, inner], and
// the parts, each [outer, sizes[i], inner] and consecutive along the middle
// axis: into whole (gather) or out of it; a nil part is skipped. It runs on
// one core: split over two, the copies into fresh pages measured 2-8 times
// slower on the shared 2-core machine (BenchmarkElementwise/Concat).
func concatCopy(whole []float32, parts [][]float32, sizes []int, outer, total, inner int, gather bool) {
	off := 0
	for i, p := range parts {
		block := sizes[i] * inner
		for o := 0; p != nil && o < outer; o++ {
			w, q := whole[o*total*inner+off:][:block], p[o*block:(o+1)*block]
			if gather {
				copy(w, q)
			} else {
				copy(q, w)
			}
		}
		off += block
	}
}

// sameExcept reports whether shapes a and b have the same rank and agree on
// every axis but skip.
func sameExcept(a, b []int, skip int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if i != skip && a[i] != b[i] {
			return false
		}
	}
	return true
}

func shapeList(xs []*Tensor) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprint(x.shape)
	}
	return strings.Join(parts, " ")
}

// Stack joins tensors of one shape along a new axis, which becomes axis
// axis of the result (negative counts from the end of the result).
func Stack(axis int, xs ...*Tensor) *Tensor {
	if len(xs) == 0 {
		panic("Stack: no tensors")
	}
	if nd := len(xs[0].shape); axis < -(nd+1) || axis > nd {
		panic(fmt.Sprintf("Stack: axis %d out of range for inputs of shape %v", axis, xs[0].shape))
	}
	parts := make([]*Tensor, len(xs))
	for i, x := range xs {
		if !SameShape(x.shape, xs[0].shape) {
			panic(fmt.Sprintf("Stack: shape %v of input %d differs from %v (inputs %s)", x.shape, i, xs[0].shape, shapeList(xs)))
		}
		parts[i] = Unsqueeze(x, axis)
	}
	return Concat(axis, parts...)
}

// Split cuts x along axis into consecutive pieces of the given sizes, which
// must add up to the axis size. Each piece is a Narrow of x, so each one
// used in a loss adds a full-size gradient in the backward pass; that is
// cheap for the few pieces (q, k, v; heads) that models split into.
func Split(x *Tensor, axis int, sizes ...int) []*Tensor {
	a := x.axis(axis, "Split")
	total := 0
	for _, s := range sizes {
		if s < 0 {
			panic(fmt.Sprintf("Split: negative size in %v for axis %d of shape %v", sizes, axis, x.shape))
		}
		total += s
	}
	if total != x.shape[a] {
		panic(fmt.Sprintf("Split: sizes %v add up to %d, not size %d of axis %d of shape %v", sizes, total, x.shape[a], axis, x.shape))
	}
	parts := make([]*Tensor, len(sizes))
	start := 0
	for i, s := range sizes {
		parts[i] = Narrow(x, a, start, s)
		start += s
	}
	return parts
}

// Chunk splits x along axis into n pieces of ceil(size/n) elements, like
// torch.chunk: the last piece may be smaller, and fewer than n pieces come
// back when the size does not allow n non-empty ones.
func Chunk(x *Tensor, n, axis int) []*Tensor {
	a := x.axis(axis, "Chunk")
	if n <= 0 {
		panic(fmt.Sprintf("Chunk: number of chunks %d must be positive (shape %v)", n, x.shape))
	}
	size := x.shape[a]
	step := (size + n - 1) / n
	if step == 0 {
		return []*Tensor{x}
	}
	var sizes []int
	for left := size; left > 0; left -= step {
		sizes = append(sizes, min(step, left))
	}
	return Split(x, a, sizes...)
}
