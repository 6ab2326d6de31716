package tensor

import "testing"

func TestWhereValues(t *testing.T) {
	cond := FromSlice([]float32{1, 0, 1}, 3)
	a := arangeShaped(2, 3)
	b := FromSlice([]float32{-1, -2}, 2, 1)
	expectShapeData(t, "Where broadcast", Where(cond, a, b), []int{2, 3}, []float32{0, -1, 2, 3, -2, 5})
	expectShapePanic(t, func() { Where(cond, Zeros(2), b) }, "Where", "[3] and [2]")
}

func TestWhereGradients(t *testing.T) {
	cond := FromSlice([]float32{1, 0, 0, 1, 1, 0}, 2, 1, 3)
	for _, shapes := range [][2][]int{
		{{2, 1, 3}, {2, 1, 3}},
		{{2, 4, 3}, {3}},
		{{1, 4, 1}, {2, 1, 3}},
	} {
		checkGrad(t, "Where", func(xs []*Tensor) *Tensor { return Where(cond, xs[0], xs[1]) },
			randn(1, shapes[0]...), randn(2, shapes[1]...))
	}
	checkSecondOrderFD(t, "Where", func(x *Tensor) *Tensor { return Where(cond, x, Scale(x, 3)) }, randn(3, 2, 1, 3))
}

func TestMaskedFill(t *testing.T) {
	x := arangeShaped(2, 3)
	mask := FromSlice([]float32{0, 1, 0}, 1, 3)
	expectShapeData(t, "MaskedFill", MaskedFill(x, mask, -9), []int{2, 3}, []float32{0, -9, 2, 3, -9, 5})
	checkGrad(t, "MaskedFill", func(xs []*Tensor) *Tensor { return MaskedFill(xs[0], mask, 7) }, randn(1, 4, 2, 3))
	checkSecondOrderFD(t, "MaskedFill", func(x *Tensor) *Tensor { return MaskedFill(x, mask, 7) }, randn(2, 2, 3))
	// The mask broadcasts to x, never x to the mask.
	expectShapePanic(t, func() { MaskedFill(Zeros(3), Zeros(2, 3), 0) }, "MaskedFill", "mask shape [2 3]", "[3]")
}

func TestCumsum(t *testing.T) {
	expectShapeData(t, "Cumsum", Cumsum(FromSlice([]float32{1, 2, 3, 4}), 0), []int{4}, []float32{1, 3, 6, 10})
	expectShapeData(t, "Cumsum axis 0", Cumsum(arangeShaped(3, 2), 0), []int{3, 2}, []float32{0, 1, 2, 4, 6, 9})
	expectShapeData(t, "Cumsum axis -1", Cumsum(arangeShaped(2, 3), -1), []int{2, 3}, []float32{0, 1, 3, 3, 7, 12})
	checkGrad(t, "Cumsum", func(xs []*Tensor) *Tensor { return Cumsum(xs[0], -2) }, randn(1, 2, 4, 3))
	checkGrad(t, "Cumsum size-1 axis", func(xs []*Tensor) *Tensor { return Cumsum(xs[0], 1) }, randn(2, 3, 1))
	checkSecondOrderFD(t, "Cumsum", func(x *Tensor) *Tensor { return Cumsum(x, 1) }, randn(3, 2, 4))
	expectShapePanic(t, func() { Cumsum(Zeros(2, 3), 2) }, "Cumsum", "axis 2", "[2 3]")
}

func TestNegativeAxisOutOfRangeNamesTheAxisGiven(t *testing.T) {
	expectShapePanic(t, func() { Cumsum(Zeros(2, 3), -3) }, "Cumsum: axis -3 out of range for shape [2 3]")
}
