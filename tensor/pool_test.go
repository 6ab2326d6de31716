package tensor

import "testing"

// distinct returns a tensor whose values are a shuffled ramp in [-1.5,
// 1.5) with gaps wider than checkGrad's step, so that finite differences
// never change which element of a window is the maximum.
func distinct(seed uint64, shape ...int) *Tensor {
	n := numel(shape)
	if n > 150 {
		panic("distinct: too many elements for well-separated values")
	}
	t := empty(shape)
	for i, v := range NewRngs(seed).Stream("test").Permutation(n) {
		t.data[i] = float32(v-n/2) * 3 / float32(n)
	}
	return t
}

type poolCase struct {
	shape                   []int
	kernel, stride, padding [2]int
}

var poolCases = []poolCase{
	{[]int{2, 2, 4, 4}, [2]int{2, 2}, [2]int{}, [2]int{}},
	{[]int{1, 3, 5, 7}, [2]int{3, 2}, [2]int{2, 1}, [2]int{1, 1}},
	{[]int{2, 1, 7, 6}, [2]int{3, 3}, [2]int{1, 2}, [2]int{1, 0}},
	{[]int{1, 2, 5, 5}, [2]int{5, 4}, [2]int{1, 3}, [2]int{2, 2}},
}

func TestMaxPool2dGradients(t *testing.T) {
	for i, c := range poolCases {
		checkGrad(t, "MaxPool2d", func(xs []*Tensor) *Tensor { return MaxPool2d(xs[0], c.kernel, c.stride, c.padding) }, distinct(uint64(i), c.shape...))
	}
}

// The input gradient of MaxPool2d is itself a recorded op (a scatter to the
// maxima) whose gradient is a gather at the maxima, and the other way round;
// second-order losses need both.
func TestMaxPool2dBackwardIsDifferentiable(t *testing.T) {
	for i, c := range poolCases {
		x := distinct(uint64(i), c.shape...).SetRequiresGrad(true)
		y := MaxPool2d(x, c.kernel, c.stride, c.padding)
		scatter := func(g *Tensor) *Tensor { return y.node.backward(g)[0] }
		checkGrad(t, "MaxPool2d backward", func(xs []*Tensor) *Tensor { return scatter(xs[0]) }, randn(uint64(i), y.shape...))
		dx := scatter(randn(uint64(i), y.shape...).SetRequiresGrad(true))
		checkGrad(t, "MaxPool2d backward backward", func(xs []*Tensor) *Tensor { return dx.node.backward(xs[0])[0] }, randn(uint64(i+3), c.shape...))
	}
}

func TestMaxPool2dValuesTiesAndPadding(t *testing.T) {
	x := FromSlice([]float32{
		1, 1, 2, -1,
		1, 0, 2, 3,
		-5, -6, -7, -7,
		-8, -5, -7, -7,
	}, 1, 1, 4, 4).SetRequiresGrad(true)
	y := MaxPool2d(x, [2]int{2, 2}, [2]int{}, [2]int{})
	assertClose(t, "MaxPool2d", y, FromSlice([]float32{1, 3, -5, -7}, 1, 1, 2, 2), 0)
	Sum(y).Backward()
	// Ties go to the first maximum in row-major order.
	assertClose(t, "MaxPool2d grad", x.Grad(), FromSlice([]float32{
		1, 0, 0, 0,
		0, 0, 0, 1,
		1, 0, 1, 0,
		0, 0, 0, 0,
	}, 1, 1, 4, 4), 0)
	// Padding never wins, even over negative values.
	y = MaxPool2d(Full(-3, 1, 1, 2, 2), [2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1})
	assertClose(t, "MaxPool2d padded", y, Full(-3, 1, 1, 2, 2), 0)
}

func TestAvgPool2dCountsPaddingInTheDivisor(t *testing.T) {
	y := AvgPool2d(Ones(1, 1, 2, 2), [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1})
	assertClose(t, "AvgPool2d", y, FromSlice([]float32{
		0.25, 0.5, 0.25,
		0.5, 1, 0.5,
		0.25, 0.5, 0.25,
	}, 1, 1, 3, 3), 1e-7)
}

func TestAvgPool2dGradients(t *testing.T) {
	for i, c := range poolCases {
		checkGrad(t, "AvgPool2d", func(xs []*Tensor) *Tensor { return AvgPool2d(xs[0], c.kernel, c.stride, c.padding) }, randn(uint64(i), c.shape...))
		p := newPoolGeom("test", Zeros(c.shape...), c.kernel, c.stride, c.padding)
		checkGrad(t, "AvgPool2d backward", func(xs []*Tensor) *Tensor { return windowSumAdjoint(xs[0], p, 0.3) }, randn(uint64(i), p.outShape()...))
	}
}

func TestPoolBadShapesPanicWithOpAndShapes(t *testing.T) {
	expectPanic(t, []string{"MaxPool2d", "rank 4", "[3 4 4]"}, func() {
		MaxPool2d(Zeros(3, 4, 4), [2]int{2, 2}, [2]int{}, [2]int{})
	})
	expectPanic(t, []string{"AvgPool2d", "padding [2 0] must be between 0 and half the kernel [3 3]", "[1 1 4 4]"}, func() {
		AvgPool2d(Zeros(1, 1, 4, 4), [2]int{3, 3}, [2]int{}, [2]int{2, 0})
	})
	expectPanic(t, []string{"MaxPool2d", "kernel [5 2] is larger than the padded input 4x4", "[1 1 4 4]"}, func() {
		MaxPool2d(Zeros(1, 1, 4, 4), [2]int{5, 2}, [2]int{}, [2]int{})
	})
	expectPanic(t, []string{"AvgPool2d", "must be positive"}, func() {
		AvgPool2d(Zeros(1, 1, 4, 4), [2]int{0, 2}, [2]int{}, [2]int{})
	})
}
