package tensor

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// expectShapeData fails unless got has the given shape and values.
func expectShapeData(t *testing.T, name string, got *Tensor, shape []int, want []float32) {
	t.Helper()
	if !SameShape(got.shape, shape) {
		t.Fatalf("%s: shape %v, want %v", name, got.shape, shape)
	}
	for i := range want {
		if got.data[i] != want[i] && !(math.IsNaN(float64(want[i])) && math.IsNaN(float64(got.data[i]))) {
			t.Fatalf("%s = %v, want %v", name, got.data, want)
		}
	}
}

// expectShapePanic fails unless fn panics with a message containing every
// one of parts.
func expectShapePanic(t *testing.T, fn func(), parts ...string) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		msg, ok := r.(string)
		if !ok {
			t.Fatalf("panic = %v (%T), want a message containing %q", r, r, parts)
		}
		for _, p := range parts {
			if !strings.Contains(msg, p) {
				t.Fatalf("panic %q does not contain %q", msg, p)
			}
		}
	}()
	fn()
}

// randomShapeWithOnes draws a shape of 1 to maxRank axes of sizes 1 to 4, so that
// size-1 axes come up often.
func randomShapeWithOnes(s *Stream, maxRank int) []int {
	shape := make([]int, 1+s.Intn(maxRank))
	for i := range shape {
		shape[i] = 1 + s.Intn(4)
	}
	return shape
}

// arangeShaped returns 0, 1, ... reshaped to shape.
func arangeShaped(shape ...int) *Tensor {
	return Reshape(Arange(0, float32(numel(shape)), 1), shape...)
}

func TestSqueezeUnsqueezeShapes(t *testing.T) {
	x := arangeShaped(1, 3, 1, 2)
	for _, tc := range []struct {
		got  *Tensor
		want []int
	}{
		{Squeeze(x), []int{3, 2}},
		{Squeeze(x, 0), []int{3, 1, 2}},
		{Squeeze(x, -2, 0), []int{3, 2}},
		{Unsqueeze(x, 0), []int{1, 1, 3, 1, 2}},
		{Unsqueeze(x, -1), []int{1, 3, 1, 2, 1}},
		{Unsqueeze(x, 2), []int{1, 3, 1, 1, 2}},
		{Squeeze(Scalar(2)), []int{}},
	} {
		if !SameShape(tc.got.shape, tc.want) {
			t.Errorf("shape %v, want %v", tc.got.shape, tc.want)
		}
	}
	expectShapePanic(t, func() { Squeeze(x, 1) }, "Squeeze", "axis 1", "[1 3 1 2]", "size 3")
	expectShapePanic(t, func() { Unsqueeze(x, 5) }, "Unsqueeze", "axis 5", "[1 3 1 2]")
}

func TestSqueezeUnsqueezeGradients(t *testing.T) {
	checkGrad(t, "Squeeze", func(xs []*Tensor) *Tensor { return Squeeze(xs[0], -1) }, randn(1, 2, 3, 1))
	checkGrad(t, "Unsqueeze", func(xs []*Tensor) *Tensor { return Unsqueeze(xs[0], -2) }, randn(2, 2, 3))
}

func TestConcatValues(t *testing.T) {
	a := arangeShaped(2, 2)
	b := AddScalar(arangeShaped(2, 1), 10)
	expectShapeData(t, "Concat axis -1", Concat(-1, a, b, a), []int{2, 5},
		[]float32{0, 1, 10, 0, 1, 2, 3, 11, 2, 3})
	expectShapeData(t, "Concat axis 0", Concat(0, a, AddScalar(arangeShaped(1, 2), 10)), []int{3, 2},
		[]float32{0, 1, 2, 3, 10, 11})
}

func TestConcatGradients(t *testing.T) {
	s := NewRngs(3).Stream("shape")
	for trial := range 6 {
		shape := randomShapeWithOnes(s, 3)
		axis := s.Intn(len(shape))
		if trial%2 == 1 {
			axis -= len(shape)
		}
		var xs []*Tensor
		for i := range 3 {
			sh := append([]int(nil), shape...)
			sh[(axis+len(shape))%len(shape)] = 1 + s.Intn(3)
			xs = append(xs, randn(uint64(10*trial+i), sh...))
		}
		checkGrad(t, fmt.Sprintf("Concat(%d) %v", axis, shape), func(xs []*Tensor) *Tensor { return Concat(axis, xs...) }, xs...)
	}
}

func TestConcatMismatchPanicsNamingShapes(t *testing.T) {
	expectShapePanic(t, func() { Concat(1, Zeros(3, 3), Zeros(2, 4)) },
		"Concat", "shape [2 4] of input 1", "[3 3]", "axis 1")
	expectShapePanic(t, func() { Concat(0, Zeros(3, 3), Zeros(3)) }, "Concat", "[3]", "[3 3]")
	expectShapePanic(t, func() { Concat(2, Zeros(3, 3)) }, "Concat", "axis 2", "[3 3]")
	expectShapePanic(t, func() { Concat(0) }, "Concat: no tensors")
}

func TestStackValuesAndGradients(t *testing.T) {
	a, b := arangeShaped(2, 2), AddScalar(arangeShaped(2, 2), 10)
	expectShapeData(t, "Stack 0", Stack(0, a, b), []int{2, 2, 2}, []float32{0, 1, 2, 3, 10, 11, 12, 13})
	expectShapeData(t, "Stack -1", Stack(-1, a, b), []int{2, 2, 2}, []float32{0, 10, 1, 11, 2, 12, 3, 13})
	expectShapeData(t, "Stack 1", Stack(1, a, b), []int{2, 2, 2}, []float32{0, 1, 10, 11, 2, 3, 12, 13})
	checkGrad(t, "Stack", func(xs []*Tensor) *Tensor { return Stack(-2, xs...) }, randn(1, 3, 1, 2), randn(2, 3, 1, 2))
	expectShapePanic(t, func() { Stack(0, a, Zeros(2, 3)) }, "Stack", "[2 3] of input 1", "[2 2]")
	expectShapePanic(t, func() { Stack(3, a) }, "Stack", "axis 3", "[2 2]")
}

func TestSplitAndChunk(t *testing.T) {
	x := arangeShaped(2, 5)
	parts := Split(x, -1, 2, 0, 3)
	expectShapeData(t, "Split[0]", parts[0], []int{2, 2}, []float32{0, 1, 5, 6})
	expectShapeData(t, "Split[1]", parts[1], []int{2, 0}, nil)
	expectShapeData(t, "Split[2]", parts[2], []int{2, 3}, []float32{2, 3, 4, 7, 8, 9})
	var sizes []int
	for _, c := range Chunk(x, 3, 1) {
		sizes = append(sizes, c.Dim(1))
	}
	if fmt.Sprint(sizes) != "[2 2 1]" {
		t.Errorf("Chunk(5 into 3) sizes %v, want [2 2 1]", sizes)
	}
	if n := len(Chunk(x, 4, 0)); n != 2 {
		t.Errorf("Chunk(2 into 4) gave %d pieces, want 2 (torch.chunk semantics)", n)
	}
	expectShapePanic(t, func() { Split(x, 1, 2, 2) }, "Split", "[2 2]", "size 5", "[2 5]")
	expectShapePanic(t, func() { Chunk(x, 0, 1) }, "Chunk", "[2 5]")
}

func TestSplitGradients(t *testing.T) {
	// Reassembling the pieces in another order makes every piece matter.
	checkGrad(t, "Split", func(xs []*Tensor) *Tensor {
		p := Split(xs[0], -2, 1, 3, 2)
		return Concat(1, p[2], p[0], p[1])
	}, randn(1, 2, 6, 3))
	checkGrad(t, "Chunk", func(xs []*Tensor) *Tensor {
		p := Chunk(xs[0], 2, 0)
		return Mul(p[0], p[1])
	}, randn(2, 4, 1))
}
