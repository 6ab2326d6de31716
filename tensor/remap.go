package tensor

import "fmt"

// Slicing, padding, flipping, repeating and index selection all build each
// output element from one input element chosen independently per axis. They
// share one primitive, remap: for every axis a map lists the input index of
// each output index (nil keeps the axis, -1 reads a fill value). Its adjoint
// adds every output element back onto the input element it came from, and
// the two are each other's backward rule, so gradients of any order work.

// remap returns the tensor whose element [i0, i1, ...] is
// x[maps[0][i0], maps[1][i1], ...], or fill where any map gives -1.
func remap(op string, x *Tensor, maps [][]int, fill float32) *Tensor {
	out := uninit(remapShape(x.shape, maps))
	remapRuns(x.shape, maps, func(o, i, n int) {
		dst := out.data[o : o+n]
		switch {
		case i >= 0:
			copy(dst, x.data[i:i+n])
		default:
			fillWith(dst, fill)
		}
	})
	return record(out, op, func(g *Tensor) []*Tensor {
		return []*Tensor{remapAdjoint(op, g, x.shape, maps)}
	}, x)
}

// remapAdjoint returns a tensor of shape inShape holding, at each input
// position, the sum of the elements of g that remap took from there.
func remapAdjoint(op string, g *Tensor, inShape []int, maps [][]int) *Tensor {
	out := empty(inShape)
	remapRuns(inShape, maps, func(o, i, n int) {
		if i < 0 {
			return
		}
		dst, src := out.data[i:i+n], g.data[o:o+n]
		for j, v := range src {
			dst[j] += v
		}
	})
	return record(out, op+"Backward", func(gg *Tensor) []*Tensor {
		return []*Tensor{remap(op, gg, maps, 0)}
	}, g)
}

func remapShape(inShape []int, maps [][]int) []int {
	shape := append([]int(nil), inShape...)
	for d, m := range maps {
		if m != nil {
			shape[d] = len(m)
		}
	}
	return shape
}

// remapRuns calls fn(outOff, inOff, n) for runs of n output elements that
// come from n contiguous input elements starting at inOff, or from the fill
// value when inOff is -1. Axes after the last mapped one are copied whole,
// and consecutive map entries on the last mapped axis are merged, so a slice
// of rows is a handful of long copies rather than one call per element.
func remapRuns(inShape []int, maps [][]int, fn func(outOff, inOff, n int)) {
	nd := len(inShape)
	k := nd - 1
	for k >= 0 && maps[k] == nil {
		k--
	}
	inner := 1
	for _, d := range inShape[k+1:] {
		inner *= d
	}
	if k < 0 {
		fn(0, 0, inner)
		return
	}
	type run struct{ at, src, n int }
	var runs []run
	for i, s := range maps[k] {
		if r := len(runs) - 1; r >= 0 {
			last := &runs[r]
			if (s < 0 && last.src < 0) || (s >= 0 && last.src >= 0 && s == last.src+last.n) {
				last.n++
				continue
			}
		}
		runs = append(runs, run{at: i, src: s, n: 1})
	}
	outShape := remapShape(inShape, maps)
	inStrides, outStrides := contiguousStrides(inShape), contiguousStrides(outShape)
	var walk func(d, inOff, outOff int)
	walk = func(d, inOff, outOff int) {
		if d == k {
			for _, r := range runs {
				src := -1
				if r.src >= 0 {
					src = inOff + r.src*inner
				}
				fn(outOff+r.at*inner, src, r.n*inner)
			}
			return
		}
		for i := 0; i < outShape[d]; i++ {
			s := i
			if maps[d] != nil {
				s = maps[d][i]
			}
			if s < 0 {
				fn(outOff+i*outStrides[d], -1, outStrides[d])
				continue
			}
			walk(d+1, inOff+s*inStrides[d], outOff+i*outStrides[d])
		}
	}
	walk(0, 0, 0)
}

// Slice returns the elements start, start+step, ... before stop along axis,
// like Python's x[start:stop:step]. Negative start and stop count from the
// end of the axis; after that both must lie in [0, size], and a stop at or
// before start gives an empty axis. step must be positive. A slice that
// covers the whole axis returns x itself, as Reshape and Expand do.
func Slice(x *Tensor, axis, start, stop, step int) *Tensor {
	a := x.axis(axis, "Slice")
	n := x.shape[a]
	if step <= 0 {
		panic(fmt.Sprintf("Slice: step %d must be positive (axis %d of shape %v)", step, axis, x.shape))
	}
	norm := func(i int) int {
		j := i
		if j < 0 {
			j += n
		}
		if j < 0 || j > n {
			panic(fmt.Sprintf("Slice: index %d out of range for axis %d of shape %v", i, axis, x.shape))
		}
		return j
	}
	start, stop = norm(start), norm(stop)
	if start == 0 && stop == n && step == 1 {
		return x
	}
	m := []int{}
	for i := start; i < stop; i += step {
		m = append(m, i)
	}
	return remap("Slice", x, axisMaps(len(x.shape), a, m), 0)
}

// Narrow returns length elements of x starting at start along axis.
func Narrow(x *Tensor, axis, start, length int) *Tensor {
	if length < 0 {
		panic(fmt.Sprintf("Narrow: negative length %d for axis %d of shape %v", length, axis, x.shape))
	}
	return Slice(x, axis, start, start+length, 1)
}

// axisMaps returns maps for nd axes that are nil except m on axis a.
func axisMaps(nd, a int, m []int) [][]int {
	maps := make([][]int, nd)
	maps[a] = m
	return maps
}

// IndexSelect returns the entries idx of x along axis, in that order;
// indices may repeat. The gradient adds back onto the selected entries.
func IndexSelect(x *Tensor, axis int, idx []int) *Tensor {
	a := x.axis(axis, "IndexSelect")
	for p, i := range idx {
		if i < 0 || i >= x.shape[a] {
			panic(fmt.Sprintf("IndexSelect: index %d at position %d out of range for axis %d of shape %v", i, p, axis, x.shape))
		}
	}
	return remap("IndexSelect", x, axisMaps(len(x.shape), a, append([]int{}, idx...)), 0)
}

// Flip reverses x along each of axes.
func Flip(x *Tensor, axes ...int) *Tensor {
	maps := make([][]int, len(x.shape))
	for _, ax := range axes {
		a := x.axis(ax, "Flip")
		if maps[a] != nil {
			panic(fmt.Sprintf("Flip: axis %d repeats in %v for shape %v", ax, axes, x.shape))
		}
		n := x.shape[a]
		m := make([]int, n)
		for i := range m {
			m[i] = n - 1 - i
		}
		maps[a] = m
	}
	return remap("Flip", x, maps, 0)
}

// Pad pads x along its axes. pads[i] = {before, after} gives the padding of
// one axis; a list shorter than x's rank applies to the LAST len(pads) axes
// (so {{1, 1}, {2, 2}} pads H and W of an [N, C, H, W] tensor), and a full
// list starts at the first axis. Modes:
//
//   - "constant": new elements are value;
//   - "reflect": mirror without repeating the edge, as PyTorch does
//     ([1 2 3 4] padded by 2 gives [3 2 1 2 3 4 3 2]); each pad must be
//     smaller than the axis size;
//   - "replicate": repeat the edge element.
func Pad(x *Tensor, pads [][2]int, mode string, value float32) *Tensor {
	nd := len(x.shape)
	if len(pads) > nd {
		panic(fmt.Sprintf("Pad: %d pads for shape %v", len(pads), x.shape))
	}
	var edge func(j, n int) int // input index of an out-of-range position j
	switch mode {
	case "constant":
		edge = func(int, int) int { return -1 }
	case "reflect":
		edge = func(j, n int) int {
			if j < 0 {
				return -j
			}
			return 2*(n-1) - j
		}
	case "replicate":
		edge = func(j, n int) int { return min(max(j, 0), n-1) }
	default:
		panic(fmt.Sprintf("Pad: unknown mode %q (want constant, reflect or replicate)", mode))
	}
	maps := make([][]int, nd)
	for p, pad := range pads {
		a := nd - len(pads) + p
		before, after, n := pad[0], pad[1], x.shape[a]
		switch {
		case before < 0 || after < 0:
			panic(fmt.Sprintf("Pad: negative padding %v for axis %d of shape %v", pad, a, x.shape))
		case before == 0 && after == 0:
			continue
		case mode == "reflect" && (before >= n || after >= n):
			panic(fmt.Sprintf("Pad: reflect padding %v must be smaller than size %d of axis %d of shape %v", pad, n, a, x.shape))
		case mode == "replicate" && n == 0:
			panic(fmt.Sprintf("Pad: replicate padding of empty axis %d of shape %v", a, x.shape))
		}
		m := make([]int, before+n+after)
		for i := range m {
			j := i - before
			if j < 0 || j >= n {
				j = edge(j, n)
			}
			m[i] = j
		}
		maps[a] = m
	}
	return remap("Pad", x, maps, value)
}

// Repeat tiles x reps[i] times along each axis, like torch.Tensor.repeat:
// reps may be longer than x's rank, in which case x is first viewed with
// leading size-1 axes, so Repeat(x[3], 2, 2) has shape [2, 6].
func Repeat(x *Tensor, reps ...int) *Tensor {
	if len(reps) < len(x.shape) {
		panic(fmt.Sprintf("Repeat: %d repetitions %v for shape %v; give at least one per axis (or use Tile)", len(reps), reps, x.shape))
	}
	shape := make([]int, len(reps))
	for i := range shape {
		shape[i] = 1
	}
	copy(shape[len(reps)-len(x.shape):], x.shape)
	maps := make([][]int, len(reps))
	for a, r := range reps {
		if r < 0 {
			panic(fmt.Sprintf("Repeat: negative repetition %d in %v for shape %v", r, reps, x.shape))
		}
		if r == 1 {
			continue
		}
		n := shape[a]
		m := make([]int, n*r)
		for i := range m {
			m[i] = i % n
		}
		maps[a] = m
	}
	return remap("Repeat", Reshape(x, shape...), maps, 0)
}

// Tile repeats x like numpy.tile and torch.tile: when reps is shorter than
// x's rank it is padded with leading ones, otherwise it is Repeat.
func Tile(x *Tensor, reps ...int) *Tensor {
	if extra := len(x.shape) - len(reps); extra > 0 {
		full := make([]int, len(x.shape))
		for i := range full[:extra] {
			full[i] = 1
		}
		copy(full[extra:], reps)
		reps = full
	}
	return Repeat(x, reps...)
}

// RepeatInterleave repeats each entry of x along axis n times in place, so
// [a b] becomes [a a b b] for n = 2.
func RepeatInterleave(x *Tensor, n, axis int) *Tensor {
	a := x.axis(axis, "RepeatInterleave")
	if n < 0 {
		panic(fmt.Sprintf("RepeatInterleave: negative count %d for shape %v", n, x.shape))
	}
	m := make([]int, x.shape[a]*n)
	for i := range m {
		m[i] = i / n
	}
	return remap("RepeatInterleave", x, axisMaps(len(x.shape), a, m), 0)
}
