package tensor

import (
	"cmp"
	"fmt"
	"slices"
)

// checkIndex validates an index tensor for Gather and ScatterAdd: it has
// indexShape, the rank of x, fits inside x on every axis but axis (and
// inside limit, when given, on all axes), and its values address axis.
func checkIndex(op string, x *Tensor, a int, index, indexShape, limit []int) {
	if len(indexShape) != len(x.shape) {
		panic(fmt.Sprintf("%s: index shape %v and input shape %v differ in rank", op, indexShape, x.shape))
	}
	if n := numel(indexShape); n != len(index) {
		panic(fmt.Sprintf("%s: %d indices do not fill index shape %v", op, len(index), indexShape))
	}
	for d, s := range indexShape {
		if d != a && s > x.shape[d] {
			panic(fmt.Sprintf("%s: index shape %v exceeds input shape %v on axis %d", op, indexShape, x.shape, d))
		}
		if limit != nil && s > limit[d] {
			panic(fmt.Sprintf("%s: index shape %v exceeds source shape %v on axis %d", op, indexShape, limit, d))
		}
	}
	for p, i := range index {
		if i < 0 || i >= x.shape[a] {
			panic(fmt.Sprintf("%s: index %d at position %d out of range for axis %d of shape %v", op, i, p, a, x.shape))
		}
	}
}

// walkIndex calls fn(p, offX, offS) for every position p (row-major) of
// shape, where offX addresses x with the index axis left out (the caller
// adds index[p]*strideX[a]) and offS addresses a tensor of shape src.
func walkIndex(shape, xShape, srcShape []int, a int, fn func(p, offX, offS int)) {
	nd := len(shape)
	sx, ss := contiguousStrides(xShape), contiguousStrides(srcShape)
	sx[a] = 0
	idx := make([]int, nd)
	offX, offS := 0, 0
	for p := range numel(shape) {
		fn(p, offX, offS)
		for k := nd - 1; k >= 0; k-- {
			idx[k]++
			offX += sx[k]
			offS += ss[k]
			if idx[k] < shape[k] {
				break
			}
			offX -= sx[k] * shape[k]
			offS -= ss[k] * shape[k]
			idx[k] = 0
		}
	}
}

// Gather picks values of x along axis, like torch.gather: index has shape
// indexShape (the rank of x, no larger than x except along axis) and
// out[i][j][k] = x[i][index[i][j][k]][k] for axis 1. The result has shape
// indexShape; the gradient adds back onto the picked entries.
func Gather(x *Tensor, axis int, index []int, indexShape []int) *Tensor {
	a := x.axis(axis, "Gather")
	checkIndex("Gather", x, a, index, indexShape, nil)
	index, indexShape = slices.Clone(index), slices.Clone(indexShape)
	out := empty(indexShape)
	stride := contiguousStrides(x.shape)[a]
	walkIndex(indexShape, x.shape, indexShape, a, func(p, offX, _ int) {
		out.data[p] = x.data[offX+index[p]*stride]
	})
	return record(out, "Gather", func(g *Tensor) []*Tensor {
		return []*Tensor{ScatterAdd(ZerosLike(x), a, index, indexShape, g)}
	}, x)
}

// ScatterAdd returns a copy of x with the values of src added at the
// positions index names along axis, like torch.Tensor.scatter_add: for axis
// 1, out[i][index[i][j][k]][k] += src[i][j][k]. index has shape indexShape,
// no larger than src anywhere nor than x except along axis; src entries
// outside indexShape are ignored. Gradients flow to x and src.
func ScatterAdd(x *Tensor, axis int, index []int, indexShape []int, src *Tensor) *Tensor {
	a := x.axis(axis, "ScatterAdd")
	if len(src.shape) != len(x.shape) {
		panic(fmt.Sprintf("ScatterAdd: source shape %v and input shape %v differ in rank", src.shape, x.shape))
	}
	checkIndex("ScatterAdd", x, a, index, indexShape, src.shape)
	index, indexShape = slices.Clone(index), slices.Clone(indexShape)
	out := x.Clone()
	stride := contiguousStrides(x.shape)[a]
	walkIndex(indexShape, x.shape, src.shape, a, func(p, offX, offS int) {
		out.data[offX+index[p]*stride] += src.data[offS]
	})
	return record(out, "ScatterAdd", func(g *Tensor) []*Tensor {
		var gs *Tensor
		if src.requiresGrad {
			gs = Gather(g, a, index, indexShape)
			if !SameShape(indexShape, src.shape) {
				pads := make([][2]int, len(src.shape))
				for d := range pads {
					pads[d][1] = src.shape[d] - indexShape[d]
				}
				gs = Pad(gs, pads, "constant", 0)
			}
		}
		return []*Tensor{g, gs}
	}, x, src)
}

// Embedding looks up rows of weight [V, D]: the result has shape
// [shape..., D] (shape defaults to [len(ids)] and must hold len(ids)
// elements). The gradient of weight adds each output row onto its row.
func Embedding(weight *Tensor, ids []int, shape ...int) *Tensor {
	if len(weight.shape) != 2 {
		panic(fmt.Sprintf("Embedding: weight must be [vocabulary, dim], got shape %v", weight.shape))
	}
	if len(shape) == 0 {
		shape = []int{len(ids)}
	}
	if n := numel(shape); n != len(ids) {
		panic(fmt.Sprintf("Embedding: %d ids do not fill shape %v", len(ids), shape))
	}
	for p, id := range ids {
		if id < 0 || id >= weight.shape[0] {
			panic(fmt.Sprintf("Embedding: id %d at position %d out of range for vocabulary of %d (weight shape %v)", id, p, weight.shape[0], weight.shape))
		}
	}
	rows := IndexSelect(weight, 0, ids)
	return Reshape(rows, append(slices.Clone(shape), weight.shape[1])...)
}

// OneHot returns the [len(labels), n] matrix whose row i is 1 at labels[i]
// and 0 elsewhere.
func OneHot(labels []int, n int) *Tensor {
	out := empty([]int{len(labels), n})
	for i, l := range labels {
		if l < 0 || l >= n {
			panic(fmt.Sprintf("OneHot: label %d at position %d out of range for %d classes", l, i, n))
		}
		out.data[i*n+l] = 1
	}
	return out
}

// Argmax returns, for every position of x with axis removed (row-major),
// the index along axis of the largest value; ties go to the lower index and
// NaN counts as larger than any number, as in PyTorch.
func Argmax(x *Tensor, axis int) []int {
	return argBest(x, axis, "Argmax", func(v, best float32) bool {
		return v > best || (v != v && best == best)
	})
}

// Argmin is Argmax for the smallest value; NaN counts as smaller than any
// number.
func Argmin(x *Tensor, axis int) []int {
	return argBest(x, axis, "Argmin", func(v, best float32) bool {
		return v < best || (v != v && best == best)
	})
}

// argBest scans each line along axis and keeps the first index whose value
// beats all before it.
func argBest(x *Tensor, axis int, op string, beats func(v, best float32) bool) []int {
	a := x.axis(axis, op)
	outer, n, inner := aroundAxis(x.shape, a)
	if n == 0 {
		panic(fmt.Sprintf("%s: empty axis %d of shape %v", op, axis, x.shape))
	}
	res := make([]int, outer*inner)
	best := make([]float32, inner)
	for o := range outer {
		base := o * n * inner
		copy(best, x.data[base:base+inner])
		arg := res[o*inner : (o+1)*inner]
		for i := 1; i < n; i++ {
			row := x.data[base+i*inner : base+(i+1)*inner]
			for j, v := range row {
				if beats(v, best[j]) {
					best[j], arg[j] = v, i
				}
			}
		}
	}
	return res
}

// TopK returns the k largest values of x along axis, sorted in descending
// order (ties keep the lower index first, NaN counts as largest), and their
// indices along axis in the same layout. The values carry a gradient to the
// entries they were taken from.
func TopK(x *Tensor, k, axis int) (*Tensor, []int) {
	a := x.axis(axis, "TopK")
	outer, n, inner := aroundAxis(x.shape, a)
	if k < 0 || k > n {
		panic(fmt.Sprintf("TopK: k=%d out of range for axis %d of shape %v", k, axis, x.shape))
	}
	shape := slices.Clone(x.shape)
	shape[a] = k
	index := make([]int, outer*k*inner)
	order := make([]int, n)
	line := make([]float32, n)
	for o := range outer {
		for j := range inner {
			for i := range order {
				order[i] = i
				line[i] = x.data[(o*n+i)*inner+j]
			}
			slices.SortStableFunc(order, func(p, q int) int { return descendingNaNFirst(line[p], line[q]) })
			for i, src := range order[:k] {
				index[(o*k+i)*inner+j] = src
			}
		}
	}
	return Gather(x, a, index, shape), index
}

// descendingNaNFirst orders values from largest to smallest with NaN
// before everything, matching Argmax's treatment of NaN.
func descendingNaNFirst(p, q float32) int {
	switch pNaN, qNaN := p != p, q != q; {
	case pNaN && qNaN:
		return 0
	case pNaN:
		return -1
	case qNaN:
		return 1
	}
	return cmp.Compare(q, p)
}
