package tensor

import "fmt"

// Permute returns x with its axes reordered: axis i of the result is axis
// perm[i] of x. Negative entries count from the end. The result is a new
// contiguous tensor.
func Permute(x *Tensor, perm ...int) *Tensor {
	nd := len(x.shape)
	if len(perm) != nd {
		panic(fmt.Sprintf("Permute: permutation %v has %d axes, shape %v has %d", perm, len(perm), x.shape, nd))
	}
	p := make([]int, nd)
	seen := make([]bool, nd)
	for i, a := range perm {
		if a < -nd || a >= nd {
			panic(fmt.Sprintf("Permute: axis %d in permutation %v out of range for shape %v", a, perm, x.shape))
		}
		if a < 0 {
			a += nd
		}
		if seen[a] {
			panic(fmt.Sprintf("Permute: %v is not a permutation (axis %d repeats) for shape %v", perm, a, x.shape))
		}
		seen[a] = true
		p[i] = a
	}
	outShape := make([]int, nd)
	inv := make([]int, nd)
	for i, a := range p {
		outShape[i] = x.shape[a]
		inv[a] = i
	}
	out := uninit(outShape)
	permuteData(out.data, x.data, x.shape, p)
	return record(out, "Permute", func(g *Tensor) []*Tensor {
		return []*Tensor{Permute(g, inv...)}
	}, x)
}

// Transpose returns x with axes a and b swapped.
func Transpose(x *Tensor, a, b int) *Tensor {
	a, b = x.axis(a, "Transpose"), x.axis(b, "Transpose")
	perm := make([]int, len(x.shape))
	for i := range perm {
		perm[i] = i
	}
	perm[a], perm[b] = b, a
	return Permute(x, perm...)
}

// permuteData writes the permutation perm of src (of shape shape) to dst.
// Axes that stay adjacent and in order are merged first, so that most
// permutations met in practice ([B,C,H,W]→[B,H,W,C], head splits in
// attention) reduce to a plain copy, a batch of 2-D transposes, or a copy of
// contiguous rows.
func permuteData(dst, src []float32, shape, perm []int) {
	shape, perm = coalescePermutation(shape, perm)
	nd := len(shape)
	identity := true
	for i, a := range perm {
		identity = identity && a == i
	}
	switch {
	case identity:
		copy(dst, src)
	case perm[nd-1] == nd-2 && perm[nd-2] == nd-1 && isPrefixIdentity(perm[:nd-2]):
		rows, cols := shape[nd-2], shape[nd-1]
		for off := 0; off < len(src); off += rows * cols {
			transpose2D(dst[off:off+rows*cols], src[off:off+rows*cols], rows, cols)
		}
	default:
		stridedCopy(dst, src, shape, perm)
	}
}

// coalescePermutation drops size-1 axes and merges runs of input axes that
// appear consecutively and in order in perm; the permuted layout is the same
// but has fewer, longer axes.
func coalescePermutation(shape, perm []int) ([]int, []int) {
	var keep []int // output order of the axes that are not size 1
	for _, a := range perm {
		if shape[a] != 1 {
			keep = append(keep, a)
		}
	}
	if len(keep) == 0 {
		return []int{1}, []int{0}
	}
	// Runs of consecutive input axes in output order; each becomes one axis.
	var starts, sizes []int
	for j, a := range keep {
		if j > 0 && a == keep[j-1]+1 {
			sizes[len(sizes)-1] *= shape[a]
			continue
		}
		starts = append(starts, a)
		sizes = append(sizes, shape[a])
	}
	// The merged input shape lists the runs by their first input axis; the
	// merged permutation gives each run's rank in that order. A run's rank
	// is how many runs start before it in the input.
	n := len(starts)
	newPerm := make([]int, n)
	newShape := make([]int, n)
	for j := range starts {
		rank := 0
		for _, s := range starts {
			if s < starts[j] {
				rank++
			}
		}
		newPerm[j] = rank
		newShape[rank] = sizes[j]
	}
	return newShape, newPerm
}

func isPrefixIdentity(perm []int) bool {
	for i, a := range perm {
		if a != i {
			return false
		}
	}
	return true
}

// transposeBlock is the tile edge of the blocked transpose. A tile reads
// 16 source rows of one 64-byte cache line each and writes 16 contiguous
// floats per destination row, so every source line fetched is used in full
// before it is evicted, even with power-of-two strides that alias in cache.
const transposeBlock = 16

// transpose2D writes the transpose of the rows×cols matrix src into dst.
func transpose2D(dst, src []float32, rows, cols int) {
	for j0 := 0; j0 < cols; j0 += transposeBlock {
		j1 := min(j0+transposeBlock, cols)
		for i0 := 0; i0 < rows; i0 += transposeBlock {
			i1 := min(i0+transposeBlock, rows)
			for j := j0; j < j1; j++ {
				out := dst[j*rows+i0 : j*rows+i1]
				col := src[i0*cols+j:]
				for i := range out {
					out[i] = col[i*cols]
				}
			}
		}
	}
}

// stridedCopy is the general permutation: it walks dst in order and reads
// src through permuted strides, copying whole rows when the last axis stays
// last.
func stridedCopy(dst, src []float32, shape, perm []int) {
	nd := len(shape)
	inStrides := contiguousStrides(shape)
	outShape := make([]int, nd)
	st := make([]int, nd) // source stride of each output axis
	for i, a := range perm {
		outShape[i] = shape[a]
		st[i] = inStrides[a]
	}
	n, inner := outShape[nd-1], st[nd-1]
	idx := make([]int, nd-1)
	off := 0
	for o := 0; o < len(dst); o += n {
		row := dst[o : o+n]
		if inner == 1 {
			copy(row, src[off:off+n])
		} else {
			for j := range row {
				row[j] = src[off+j*inner]
			}
		}
		for k := nd - 2; k >= 0; k-- {
			idx[k]++
			off += st[k]
			if idx[k] < outShape[k] {
				break
			}
			off -= st[k] * outShape[k]
			idx[k] = 0
		}
	}
}
