package tensor

import (
	"fmt"
	"testing"
)

func TestSliceValues(t *testing.T) {
	x := arangeShaped(10)
	expectShapeData(t, "x[1:8:3]", Slice(x, 0, 1, 8, 3), []int{3}, []float32{1, 4, 7})
	expectShapeData(t, "x[-3:10]", Slice(x, 0, -3, 10, 1), []int{3}, []float32{7, 8, 9})
	expectShapeData(t, "x[5:2]", Slice(x, 0, 5, 2, 1), []int{0}, nil)
	m := arangeShaped(2, 5)
	expectShapeData(t, "m[:, 1:-1]", Slice(m, -1, 1, -1, 1), []int{2, 3}, []float32{1, 2, 3, 6, 7, 8})
	expectShapeData(t, "m[1:2]", Slice(m, 0, 1, 2, 1), []int{1, 5}, []float32{5, 6, 7, 8, 9})
	expectShapeData(t, "Narrow", Narrow(m, 1, 3, 2), []int{2, 2}, []float32{3, 4, 8, 9})
}

func TestSliceOutOfRangePanics(t *testing.T) {
	m := Zeros(2, 5)
	expectShapePanic(t, func() { Slice(m, 1, 0, 7, 1) }, "Slice: index 7 out of range for axis 1 of shape [2 5]")
	expectShapePanic(t, func() { Slice(m, 1, -6, 2, 1) }, "Slice: index -6 out of range for axis 1 of shape [2 5]")
	expectShapePanic(t, func() { Slice(m, 0, 0, 2, 0) }, "Slice", "step 0", "[2 5]")
	expectShapePanic(t, func() { Slice(m, 2, 0, 1, 1) }, "Slice", "axis 2", "[2 5]")
	expectShapePanic(t, func() { Narrow(m, 1, 4, 2) }, "Slice", "index 6", "[2 5]")
}

func TestSliceGradients(t *testing.T) {
	s := NewRngs(8).Stream("shape")
	for trial := range 8 {
		shape := randomShapeWithOnes(s, 3)
		axis := s.Intn(len(shape))
		n := shape[axis]
		start, step := s.Intn(n), 1+s.Intn(2)
		stop := start + 1 + s.Intn(n-start)
		if trial%2 == 1 {
			axis, start = axis-len(shape), start-n
		}
		checkGrad(t, fmt.Sprintf("Slice(%v, %d, %d:%d:%d)", shape, axis, start, stop, step), func(xs []*Tensor) *Tensor {
			return Slice(xs[0], axis, start, stop, step)
		}, randn(uint64(trial), shape...))
	}
}

func TestPadValues(t *testing.T) {
	x := FromSlice([]float32{1, 2, 3, 4})
	expectShapeData(t, "reflect", Pad(x, [][2]int{{2, 2}}, "reflect", 0), []int{8}, []float32{3, 2, 1, 2, 3, 4, 3, 2})
	expectShapeData(t, "replicate", Pad(x, [][2]int{{2, 1}}, "replicate", 0), []int{7}, []float32{1, 1, 1, 2, 3, 4, 4})
	expectShapeData(t, "constant", Pad(x, [][2]int{{1, 0}}, "constant", -1), []int{5}, []float32{-1, 1, 2, 3, 4})
	m := arangeShaped(2, 2)
	// A short list pads the last axes.
	expectShapeData(t, "constant last axis", Pad(m, [][2]int{{0, 1}}, "constant", 9), []int{2, 3}, []float32{0, 1, 9, 2, 3, 9})
	expectShapeData(t, "constant all axes", Pad(m, [][2]int{{1, 0}, {0, 1}}, "constant", 0), []int{3, 3},
		[]float32{0, 0, 0, 0, 1, 0, 2, 3, 0})
	expectShapeData(t, "reflect 2-D", Pad(arangeShaped(3, 3), [][2]int{{1, 1}, {1, 1}}, "reflect", 0), []int{5, 5}, []float32{
		4, 3, 4, 5, 4,
		1, 0, 1, 2, 1,
		4, 3, 4, 5, 4,
		7, 6, 7, 8, 7,
		4, 3, 4, 5, 4,
	})
}

func TestPadBadInputPanics(t *testing.T) {
	x := Zeros(2, 3)
	expectShapePanic(t, func() { Pad(x, [][2]int{{0, 3}}, "reflect", 0) }, "Pad", "reflect", "[0 3]", "axis 1", "[2 3]")
	expectShapePanic(t, func() { Pad(x, [][2]int{{0, 1}}, "circular", 0) }, "Pad", `"circular"`)
	expectShapePanic(t, func() { Pad(x, [][2]int{{-1, 0}}, "constant", 0) }, "Pad", "negative", "[2 3]")
	expectShapePanic(t, func() { Pad(x, make([][2]int, 3), "constant", 0) }, "Pad", "3 pads", "[2 3]")
}

func TestPadGradients(t *testing.T) {
	for _, mode := range []string{"constant", "reflect", "replicate"} {
		checkGrad(t, "Pad "+mode, func(xs []*Tensor) *Tensor {
			return Pad(xs[0], [][2]int{{1, 2}, {0, 2}}, mode, 0.5)
		}, randn(1, 2, 3, 3))
		checkGrad(t, "Pad "+mode+" size-1 axis", func(xs []*Tensor) *Tensor {
			return Pad(xs[0], [][2]int{{2, 0}, {0, 0}}, mode, 0)
		}, randn(2, 1, 4, 3))
	}
	checkSecondOrderFD(t, "Pad reflect", func(x *Tensor) *Tensor { return Pad(x, [][2]int{{2, 1}}, "reflect", 0) }, randn(3, 2, 4))
}

func TestFlipRepeatValues(t *testing.T) {
	m := arangeShaped(2, 3)
	expectShapeData(t, "Flip -1", Flip(m, -1), []int{2, 3}, []float32{2, 1, 0, 5, 4, 3})
	expectShapeData(t, "Flip both", Flip(m, 0, 1), []int{2, 3}, []float32{5, 4, 3, 2, 1, 0})
	v := FromSlice([]float32{1, 2, 3})
	expectShapeData(t, "Repeat(2, 2)", Repeat(v, 2, 2), []int{2, 6}, []float32{1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3})
	expectShapeData(t, "Repeat(2, 1)", Repeat(arangeShaped(2, 1), 2, 2), []int{4, 2}, []float32{0, 0, 1, 1, 0, 0, 1, 1})
	expectShapeData(t, "Tile(2)", Tile(arangeShaped(2, 2), 2), []int{2, 4}, []float32{0, 1, 0, 1, 2, 3, 2, 3})
	expectShapeData(t, "RepeatInterleave", RepeatInterleave(m, 2, 0), []int{4, 3},
		[]float32{0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5})
	expectShapeData(t, "RepeatInterleave last", RepeatInterleave(FromSlice([]float32{1, 2}), 2, -1), []int{4}, []float32{1, 1, 2, 2})
	expectShapePanic(t, func() { Repeat(m, 2) }, "Repeat", "[2 3]")
	expectShapePanic(t, func() { Flip(m, 1, -1) }, "Flip", "repeats", "[2 3]")
}

func TestFlipRepeatGradients(t *testing.T) {
	checkGrad(t, "Flip", func(xs []*Tensor) *Tensor { return Flip(xs[0], 0, -1) }, randn(1, 3, 1, 4))
	checkGrad(t, "Repeat", func(xs []*Tensor) *Tensor { return Repeat(xs[0], 2, 1, 3) }, randn(2, 2, 1))
	checkGrad(t, "Tile", func(xs []*Tensor) *Tensor { return Tile(xs[0], 3) }, randn(3, 1, 2))
	checkGrad(t, "RepeatInterleave", func(xs []*Tensor) *Tensor { return RepeatInterleave(xs[0], 3, -2) }, randn(4, 2, 1, 2))
	checkSecondOrderFD(t, "Repeat", func(x *Tensor) *Tensor { return Repeat(x, 2, 2) }, randn(5, 3))
}

func TestIndexSelect(t *testing.T) {
	m := arangeShaped(3, 2)
	expectShapeData(t, "IndexSelect rows", IndexSelect(m, 0, []int{2, 0, 2}), []int{3, 2}, []float32{4, 5, 0, 1, 4, 5})
	expectShapeData(t, "IndexSelect cols", IndexSelect(m, -1, []int{1}), []int{3, 1}, []float32{1, 3, 5})
	expectShapePanic(t, func() { IndexSelect(m, 0, []int{0, 3}) }, "IndexSelect: index 3 at position 1 out of range for axis 0 of shape [3 2]")
	checkGrad(t, "IndexSelect", func(xs []*Tensor) *Tensor { return IndexSelect(xs[0], 1, []int{1, 1, 0, 3}) }, randn(1, 2, 4, 1))
	checkSecondOrderFD(t, "IndexSelect", func(x *Tensor) *Tensor { return IndexSelect(x, 0, []int{1, 1, 0}) }, randn(2, 2, 3))
}
