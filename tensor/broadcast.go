package tensor

import (
	"fmt"

	"github.com/artifex-go/artifex/internal/kernels"
)

// BroadcastShapes returns the NumPy-style broadcast of two shapes, or an
// error naming both when they are incompatible.
func BroadcastShapes(a, b []int) ([]int, error) {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db || db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast", a, b)
		}
	}
	return out, nil
}

func mustBroadcast(op string, a, b []int) []int {
	s, err := BroadcastShapes(a, b)
	if err != nil {
		panic(op + ": " + err.Error())
	}
	return s
}

// broadcastStrides returns the element strides of an operand of shape in,
// aligned to shape out, with 0 on broadcast axes.
func broadcastStrides(in, out []int) []int {
	st := make([]int, len(out))
	stride := 1
	for i := len(in) - 1; i >= 0; i-- {
		j := len(out) - len(in) + i
		if in[i] != 1 {
			st[j] = stride
		}
		stride *= in[i]
	}
	return st
}

// bcastLoop iterates over an output of shape out whose two operands have
// element strides sa and sb (0 on broadcast axes). Adjacent axes are merged
// where possible, then fn is called once per innermost run with the offsets
// of the run's first elements, the run length, and the inner strides.
func bcastLoop(out, sa, sb []int, fn func(offOut, offA, offB, n, ia, ib int)) {
	shape, as, bs := coalesce(out, sa, sb)
	if shape != nil {
		walkRuns(shape, as, bs, 0, numel(shape[:len(shape)-1]), fn)
	}
}

// bcastParallel is bcastLoop with the runs split over cores, in chunks of
// about parallelGrain elements; fn must write only its own run.
func bcastParallel(out, sa, sb []int, fn func(offOut, offA, offB, n, ia, ib int)) {
	shape, as, bs := coalesce(out, sa, sb)
	if shape == nil {
		return
	}
	n := shape[len(shape)-1]
	kernels.Parallel(numel(shape[:len(shape)-1]), max(1, parallelGrain/n), func(lo, hi int) {
		walkRuns(shape, as, bs, lo, hi, fn)
	})
}

// coalesce merges the axes of out along which both operands are
// contiguous, so that broadcasting a bias over [B, C, H, W] becomes a loop
// over a few long runs rather than many short ones. It returns nil for an
// empty output, which has no runs, and one axis of length 1 for a scalar.
func coalesce(out, sa, sb []int) (shape, as, bs []int) {
	for _, d := range out {
		if d == 0 {
			return nil, nil, nil
		}
	}
	for i := range out {
		if out[i] == 1 {
			continue
		}
		k := len(shape) - 1
		if k >= 0 && as[k] == sa[i]*out[i] && bs[k] == sb[i]*out[i] {
			shape[k] *= out[i]
			as[k], bs[k] = sa[i], sb[i]
			continue
		}
		shape = append(shape, out[i])
		as = append(as, sa[i])
		bs = append(bs, sb[i])
	}
	if len(shape) == 0 {
		return []int{1}, []int{0}, []int{0}
	}
	return shape, as, bs
}

// walkRuns calls fn for the innermost runs lo to hi (counted in row-major
// order over the outer axes) of a coalesced shape.
func walkRuns(shape, as, bs []int, lo, hi int, fn func(offOut, offA, offB, n, ia, ib int)) {
	last := len(shape) - 1
	n, ia, ib := shape[last], as[last], bs[last]
	outer := shape[:last]
	idx := make([]int, len(outer))
	offA, offB := 0, 0
	for k, r := len(outer)-1, lo; k >= 0; k-- {
		idx[k] = r % outer[k]
		r /= outer[k]
		offA += idx[k] * as[k]
		offB += idx[k] * bs[k]
	}
	for run := lo; run < hi; run++ {
		fn(run*n, offA, offB, n, ia, ib)
		for k := len(outer) - 1; k >= 0; k-- {
			idx[k]++
			offA += as[k]
			offB += bs[k]
			if idx[k] < outer[k] {
				break
			}
			offA -= as[k] * outer[k]
			offB -= bs[k] * outer[k]
			idx[k] = 0
		}
	}
}

// binaryKernel computes dst[i] = f(a[i*ia], b[i*ib]) for i < len(dst),
// where the inner strides ia and ib are 0 or 1.
type binaryKernel func(dst, a, b []float32, ia, ib int)

// broadcastBinary applies k over the broadcast of a and b, split over
// cores when the output is large.
func broadcastBinary(op string, a, b *Tensor, k binaryKernel) *Tensor {
	if SameShape(a.shape, b.shape) {
		out := uninit(a.shape)
		kernels.Parallel(len(out.data), parallelGrain, func(lo, hi int) {
			k(out.data[lo:hi], a.data[lo:hi], b.data[lo:hi], 1, 1)
		})
		return out
	}
	shape := mustBroadcast(op, a.shape, b.shape)
	out := uninit(shape)
	sa, sb := broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)
	bcastParallel(shape, sa, sb, func(o, oa, ob, n, ia, ib int) {
		k(out.data[o:o+n], a.data[oa:], b.data[ob:], ia, ib)
	})
	return out
}

// SumTo sums t over the axes along which shape was broadcast to t's shape,
// returning a tensor of the given shape. It undoes Expand and is how
// broadcasting ops route gradients back to their smaller operands.
func SumTo(t *Tensor, shape []int) *Tensor {
	if SameShape(t.shape, shape) {
		return t
	}
	if s, err := BroadcastShapes(shape, t.shape); err != nil || !SameShape(s, t.shape) {
		panic(fmt.Sprintf("SumTo: shape %v does not broadcast to %v", shape, t.shape))
	}
	out := empty(shape)
	so := broadcastStrides(shape, t.shape)
	bcastLoop(t.shape, contiguousStrides(t.shape), so, func(_, oa, ob, n, ia, ib int) {
		src := t.data[oa : oa+n]
		if ib == 0 {
			out.data[ob] += kernels.Sum(src)
			return
		}
		dst := out.data[ob : ob+n]
		kernels.Add(dst, dst, src)
	})
	ts := t.shape
	return record(out, "SumTo", func(g *Tensor) []*Tensor {
		return []*Tensor{Expand(g, ts)}
	}, t)
}

// Expand broadcasts t to shape, copying values along broadcast axes.
func Expand(t *Tensor, shape []int) *Tensor {
	if SameShape(t.shape, shape) {
		return t
	}
	if s, err := BroadcastShapes(t.shape, shape); err != nil || !SameShape(s, shape) {
		panic(fmt.Sprintf("Expand: shape %v does not broadcast to %v", t.shape, shape))
	}
	out := uninit(shape)
	st := broadcastStrides(t.shape, shape)
	bcastParallel(shape, contiguousStrides(shape), st, func(o, _, ob, n, _, ib int) {
		dst := out.data[o : o+n]
		if ib == 0 {
			fillWith(dst, t.data[ob])
			return
		}
		copy(dst, t.data[ob:ob+n])
	})
	ts := t.shape
	return record(out, "Expand", func(g *Tensor) []*Tensor {
		return []*Tensor{SumTo(g, ts)}
	}, t)
}

// contiguousStrides returns row-major element strides of shape.
func contiguousStrides(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}
