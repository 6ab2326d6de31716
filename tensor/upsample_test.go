package tensor

import "testing"

func TestUpsampleNearest2dRepeatsPixels(t *testing.T) {
	x := FromSlice([]float32{1, 2, 3, 4}, 1, 1, 2, 2)
	assertClose(t, "UpsampleNearest2d", UpsampleNearest2d(x, 2, 3), FromSlice([]float32{
		1, 1, 1, 2, 2, 2,
		1, 1, 1, 2, 2, 2,
		3, 3, 3, 4, 4, 4,
		3, 3, 3, 4, 4, 4,
	}, 1, 1, 4, 6), 0)
}

func TestUpsampleNearest2dGradients(t *testing.T) {
	checkGrad(t, "UpsampleNearest2d", func(xs []*Tensor) *Tensor { return UpsampleNearest2d(xs[0], 3, 2) }, randn(1, 2, 3, 3, 2))
	// The backward is a recorded op too.
	y := UpsampleNearest2d(Zeros(2, 3, 3, 2).SetRequiresGrad(true), 3, 2)
	checkGrad(t, "UpsampleNearest2d backward", func(xs []*Tensor) *Tensor { return y.node.backward(xs[0])[0] }, randn(2, 2, 3, 9, 4))
}

// Values from torch.nn.functional.interpolate(mode="bilinear") on
// [[1, 2], [3, 4]].
func TestUpsampleBilinear2dMatchesPyTorchSemantics(t *testing.T) {
	x := FromSlice([]float32{1, 2, 3, 4}, 1, 1, 2, 2)
	assertClose(t, "alignCorners=false", UpsampleBilinear2d(x, 4, 4, false), FromSlice([]float32{
		1, 1.25, 1.75, 2,
		1.5, 1.75, 2.25, 2.5,
		2.5, 2.75, 3.25, 3.5,
		3, 3.25, 3.75, 4,
	}, 1, 1, 4, 4), 1e-6)
	third := float32(1) / 3
	assertClose(t, "alignCorners=true", UpsampleBilinear2d(x, 3, 4, true), FromSlice([]float32{
		1, 1 + third, 1 + 2*third, 2,
		2, 2 + third, 2 + 2*third, 3,
		3, 3 + third, 3 + 2*third, 4,
	}, 1, 1, 3, 4), 1e-6)
	// A single output pixel samples the top-left corner with alignCorners
	// and the area centre without.
	assertClose(t, "1x1 aligned", UpsampleBilinear2d(x, 1, 1, true), FromSlice([]float32{1}, 1, 1, 1, 1), 0)
	assertClose(t, "1x1 area", UpsampleBilinear2d(x, 1, 1, false), FromSlice([]float32{2.5}, 1, 1, 1, 1), 0)
}

func TestUpsampleBilinear2dGradients(t *testing.T) {
	for _, c := range []struct {
		in, out [2]int
		align   bool
	}{
		{[2]int{3, 4}, [2]int{7, 5}, false},
		{[2]int{3, 4}, [2]int{7, 5}, true},
		{[2]int{5, 6}, [2]int{3, 2}, false}, // downsampling
		{[2]int{5, 6}, [2]int{2, 1}, true},
		{[2]int{1, 3}, [2]int{4, 4}, true},
	} {
		x := randn(3, 2, 2, c.in[0], c.in[1])
		checkGrad(t, "UpsampleBilinear2d", func(xs []*Tensor) *Tensor { return UpsampleBilinear2d(xs[0], c.out[0], c.out[1], c.align) }, x)
		y := UpsampleBilinear2d(Zeros(2, 2, c.in[0], c.in[1]).SetRequiresGrad(true), c.out[0], c.out[1], c.align)
		checkGrad(t, "UpsampleBilinear2d backward", func(xs []*Tensor) *Tensor { return y.node.backward(xs[0])[0] }, randn(4, 2, 2, c.out[0], c.out[1]))
	}
}

func TestUpsampleBadShapesPanic(t *testing.T) {
	expectPanic(t, []string{"UpsampleNearest2d", "[2 2]", "0x2"}, func() { UpsampleNearest2d(Zeros(2, 2), 0, 2) })
	expectPanic(t, []string{"UpsampleBilinear2d", "[1 2 3]"}, func() { UpsampleBilinear2d(Zeros(1, 2, 3), 4, 4, false) })
}
