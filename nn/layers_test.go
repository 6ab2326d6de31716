package nn

import (
	"math"
	"testing"

	"github.com/artifex-go/artifex/tensor"
)

func TestLinearComputesXTimesWeightPlusBias(t *testing.T) {
	l := &Linear{
		Weight: tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3), // [in 2, out 3]
		Bias:   tensor.FromSlice([]float32{0.5, -1, 2}, 3),
	}
	y := l.Forward(tensor.FromSlice([]float32{1, 1, 2, -1}, 2, 2))
	assertShape(t, "Linear", y, 2, 3)
	assertClose(t, "Linear", y.Data(), []float32{5.5, 6, 11, -1.5, -2, 2}, 0, 0)
}

func TestLinearKeepsLeadingAxes(t *testing.T) {
	l := NewLinear(NewRngs(1), 5, 3)
	assertShape(t, "[4 5]", l.Forward(randn(2, 4, 5)), 4, 3)
	assertShape(t, "[2 3 5]", l.Forward(randn(2, 2, 3, 5)), 2, 3, 3)
	assertShape(t, "[5]", l.Forward(randn(2, 5)), 3)
	assertShape(t, "[0 5]", l.Forward(tensor.Zeros(0, 5)), 0, 3)
	x := randn(3, 2, 3, 5)
	flat := l.Forward(tensor.Reshape(x, 6, 5))
	assertClose(t, "3-D rows equal 2-D rows", l.Forward(x).Data(), flat.Data(), 0, 0)
	mustPanic(t, "wrong last axis", "want last axis 5", func() { l.Forward(randn(1, 2, 4)) })
}

func TestLinearDefaultInitIsPyTorchUniform(t *testing.T) {
	l := NewLinear(NewRngs(1), 64, 32)
	bound := float32(1 / math.Sqrt(64))
	for _, p := range []*tensor.Tensor{l.Weight, l.Bias} {
		lo, hi := p.Data()[0], p.Data()[0]
		for _, v := range p.Data() {
			lo, hi = min(lo, v), max(hi, v)
		}
		if lo < -bound || hi > bound || hi-lo < bound {
			t.Errorf("values in [%g, %g], want spread over [-%g, %g]", lo, hi, bound, bound)
		}
	}
	assertShape(t, "weight is [in, out]", l.Weight, 64, 32)
}

func TestLinearWithoutBiasHasOnlyAWeight(t *testing.T) {
	l := NewLinearInit(NewRngs(1), 4, 3, XavierUniform(1), false)
	if l.Bias != nil {
		t.Fatal("bias created for a layer without bias")
	}
	if ps := Parameters(l); len(ps) != 1 || ps[0].Name != "weight" {
		t.Fatalf("parameters %v, want just weight", ps)
	}
	x := randn(2, 3, 4)
	checkGradients(t, "Linear without bias", func() *tensor.Tensor { return l.Forward(x) }, withInput(x, l))
}

func TestLinearGradients(t *testing.T) {
	l := NewLinear(NewRngs(1), 5, 3)
	x := randn(2, 2, 3, 5)
	checkGradients(t, "Linear", func() *tensor.Tensor { return l.Forward(x) }, withInput(x, l))
}

func TestConv2dOutputShapes(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		kernel, stride, padding int
		h, w, oh, ow            int
	}{
		{"same 3x3", 3, 1, 1, 8, 8, 8, 8},
		{"valid 3x3", 3, 1, 0, 8, 7, 6, 5},
		{"strided", 3, 2, 1, 8, 7, 4, 4},
		{"1x1", 1, 1, 0, 5, 3, 5, 3},
		{"kernel as large as input", 5, 1, 0, 5, 5, 1, 1},
	} {
		c := NewConv2d(NewRngs(1), 3, 4, tc.kernel, tc.stride, tc.padding)
		assertShape(t, tc.name, c.Forward(randn(2, 2, 3, tc.h, tc.w)), 2, 4, tc.oh, tc.ow)
	}
	c := NewConv2dWith(NewRngs(1), 4, 6, [2]int{3, 3}, tensor.Conv2dOptions{Padding: [2]int{2, 2}, Dilation: [2]int{2, 2}, Groups: 2})
	assertShape(t, "grouped weight", c.Weight, 6, 2, 3, 3)
	assertShape(t, "dilated grouped", c.Forward(randn(2, 1, 4, 6, 6)), 1, 6, 6, 6)
}

func TestConv2dGradients(t *testing.T) {
	c := NewConv2dWith(NewRngs(1), 4, 2, [2]int{3, 2}, tensor.Conv2dOptions{Stride: [2]int{2, 1}, Padding: [2]int{1, 0}, Groups: 2})
	x := randn(2, 2, 4, 5, 4)
	checkGradients(t, "Conv2d", func() *tensor.Tensor { return c.Forward(x) }, withInput(x, c))
}

func TestConvTranspose2dOutputShapeFollowsPyTorch(t *testing.T) {
	// (H-1)·stride - 2·padding + kernel + output_padding
	c := NewConvTranspose2d(NewRngs(1), 4, 2, 4, 2, 1, 0)
	assertShape(t, "weight is [in, out, kh, kw]", c.Weight, 4, 2, 4, 4)
	assertShape(t, "k4 s2 p1 doubles", c.Forward(randn(2, 3, 4, 7, 5)), 3, 2, 14, 10)
	c = NewConvTranspose2d(NewRngs(1), 3, 5, 3, 2, 1, 1)
	assertShape(t, "k3 s2 p1 op1 doubles", c.Forward(randn(2, 1, 3, 4, 4)), 1, 5, 8, 8)
}

func TestConvTranspose2dIsTheAdjointOfConv2d(t *testing.T) {
	// <conv(x), y> = <x, convT(y)> with the same weight and no bias.
	conv := NewConv2d(NewRngs(1), 3, 4, 3, 2, 1)
	convT := &ConvTranspose2d{Weight: conv.Weight, Options: tensor.ConvTranspose2dOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, OutputPadding: [2]int{1, 1}}}
	conv.Bias = nil
	x, y := randn(2, 2, 3, 8, 8), randn(3, 2, 4, 4, 4)
	dot := func(a, b *tensor.Tensor) float64 {
		var s float64
		for i, v := range a.Data() {
			s += float64(v) * float64(b.Data()[i])
		}
		return s
	}
	lhs, rhs := dot(conv.Forward(x), y), dot(x, convT.Forward(y))
	if math.Abs(lhs-rhs) > 1e-4*math.Abs(lhs) {
		t.Fatalf("<conv(x), y> = %g but <x, convT(y)> = %g", lhs, rhs)
	}
}

func TestConvTranspose2dGradients(t *testing.T) {
	c := NewConvTranspose2dWith(NewRngs(1), 4, 2, [2]int{3, 3}, tensor.ConvTranspose2dOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, OutputPadding: [2]int{1, 1}, Groups: 2})
	x := randn(2, 1, 4, 3, 3)
	checkGradients(t, "ConvTranspose2d", func() *tensor.Tensor { return c.Forward(x) }, withInput(x, c))
}

func TestCausalConv1dKeepsLengthAndNeverSeesTheFuture(t *testing.T) {
	c := NewConv1d(NewRngs(1), 2, 3, 3, 2, 0, true)
	x := randn(2, 1, 2, 12)
	y := c.Forward(x)
	assertShape(t, "causal", y, 1, 3, 12)
	x2 := x.Clone()
	x2.Data()[7] += 10 // channel 0, position 7
	y2 := c.Forward(x2)
	for o := 0; o < 3; o++ {
		for p := 0; p < 12; p++ {
			changed := y.At(0, o, p) != y2.At(0, o, p)
			if p < 7 && changed {
				t.Errorf("output %d at position %d changed when input position 7 did", o, p)
			}
			if (p == 7 || p == 9 || p == 11) && !changed {
				t.Errorf("output %d at position %d ignores input position 7 (taps at p, p-2, p-4)", o, p)
			}
		}
	}
}

func TestConv1dShapesAndGradients(t *testing.T) {
	c := NewConv1d(NewRngs(1), 3, 2, 3, 1, 1, false)
	assertShape(t, "padded", c.Forward(randn(2, 4, 3, 9)), 4, 2, 9)
	assertShape(t, "unpadded dilated", NewConv1d(NewRngs(1), 3, 2, 3, 3, 0, false).Forward(randn(2, 4, 3, 9)), 4, 2, 3)
	x := randn(2, 2, 3, 6)
	checkGradients(t, "Conv1d", func() *tensor.Tensor { return c.Forward(x) }, withInput(x, c))
	causal := NewConv1d(NewRngs(2), 3, 2, 2, 2, 0, true)
	checkGradients(t, "causal Conv1d", func() *tensor.Tensor { return causal.Forward(x) }, withInput(x, causal))
}

func TestPoolsAndUpsampleShapes(t *testing.T) {
	x := randn(1, 2, 3, 8, 6)
	assertShape(t, "MaxPool2d k2", MaxPool2d{Kernel: 2, Stride: 2}.Forward(x), 2, 3, 4, 3)
	assertShape(t, "MaxPool2d k3 s2 p1", MaxPool2d{Kernel: 3, Stride: 2, Padding: 1}.Forward(x), 2, 3, 4, 3)
	assertShape(t, "AvgPool2d k3 s1 p1", AvgPool2d{Kernel: 3, Stride: 1, Padding: 1}.Forward(x), 2, 3, 8, 6)
	assertShape(t, "Upsample nearest", Upsample{Scale: 2}.Forward(x), 2, 3, 16, 12)
	assertShape(t, "Upsample bilinear", Upsample{Scale: 3, Mode: "bilinear"}.Forward(x), 2, 3, 24, 18)
	mustPanic(t, "Upsample bad mode", `"bicubic"`, func() { Upsample{Scale: 2, Mode: "bicubic"}.Forward(x) })
}

func TestPoolValues(t *testing.T) {
	x := tensor.FromSlice([]float32{
		1, 2, 5, 0,
		3, 4, -1, 2,
		0, 0, 7, 8,
		-2, 6, 1, 1,
	}, 1, 1, 4, 4)
	assertClose(t, "MaxPool2d", MaxPool2d{Kernel: 2, Stride: 2}.Forward(x).Data(), []float32{4, 5, 6, 8}, 0, 0)
	assertClose(t, "AvgPool2d", AvgPool2d{Kernel: 2, Stride: 2}.Forward(x).Data(), []float32{2.5, 1.5, 1, 4.25}, 0, 0)
}

func TestPoolAndUpsampleGradients(t *testing.T) {
	x := randn(1, 1, 2, 4, 4)
	for name, f := range map[string]func() *tensor.Tensor{
		"MaxPool2d":         func() *tensor.Tensor { return MaxPool2d{Kernel: 2, Stride: 2}.Forward(x) },
		"AvgPool2d":         func() *tensor.Tensor { return AvgPool2d{Kernel: 3, Stride: 2, Padding: 1}.Forward(x) },
		"Upsample nearest":  func() *tensor.Tensor { return Upsample{Scale: 2}.Forward(x) },
		"Upsample bilinear": func() *tensor.Tensor { return Upsample{Scale: 2, Mode: "bilinear"}.Forward(x) },
	} {
		checkGradients(t, name, f, []Param{{Name: "x", Tensor: x}})
	}
}

func TestEmbeddingLooksUpRowsAndAccumulatesGradients(t *testing.T) {
	e := NewEmbedding(NewRngs(1), 10, 4)
	ids := []int{1, 7, 1, 0, 9, 7}
	y := e.Forward(ids, 2, 3)
	assertShape(t, "Embedding", y, 2, 3, 4)
	for i, id := range ids {
		assertClose(t, "row", y.Data()[i*4:(i+1)*4], e.Weight.Data()[id*4:(id+1)*4], 0, 0)
	}
	assertShape(t, "default shape", e.Forward([]int{3, 4}), 2, 4)
	checkGradients(t, "Embedding", func() *tensor.Tensor { return e.Forward(ids, 2, 3) }, Parameters(e))
	y = e.Forward(ids, 2, 3)
	e.Weight.ZeroGrad()
	tensor.Sum(y).Backward()
	for row, uses := range map[int]float32{0: 1, 1: 2, 2: 0, 7: 2, 9: 1} {
		if g := e.Weight.Grad().At(row, 0); g != uses {
			t.Errorf("row %d used %v times has gradient %v", row, uses, g)
		}
	}
}

func TestSinusoidalEmbeddingValuesAtKnownPoints(t *testing.T) {
	// dim 4: frequencies 1 and 10000^(-1/2) = 0.01; sines first, then cosines.
	y := SinusoidalEmbedding([]float32{0, 1, 100}, 4)
	assertShape(t, "SinusoidalEmbedding", y, 3, 4)
	want := []float32{
		0, 0, 1, 1,
		float32(math.Sin(1)), float32(math.Sin(0.01)), float32(math.Cos(1)), float32(math.Cos(0.01)),
		float32(math.Sin(100)), float32(math.Sin(1)), float32(math.Cos(100)), float32(math.Cos(1)),
	}
	assertClose(t, "values", y.Data(), want, 0, 1e-6)
	// The lowest frequency of a wide embedding is 10000^(-(half-1)/half).
	w := SinusoidalEmbedding([]float32{1000}, 64)
	lowest := math.Pow(10000, -31.0/32)
	assertClose(t, "lowest frequency", []float32{w.At(0, 31), w.At(0, 63)},
		[]float32{float32(math.Sin(1000 * lowest)), float32(math.Cos(1000 * lowest))}, 0, 1e-6)
	mustPanic(t, "odd dim", "dim 5", func() { SinusoidalEmbedding([]float32{1}, 5) })
}

func TestResBlockShapesWithAndWithoutTimeAndSkip(t *testing.T) {
	rngs := NewRngs(1)
	x := randn(1, 2, 4, 5, 5)
	same := NewResBlock(rngs, 4, 4, 0, 2, 0)
	if same.Skip != nil || same.Time != nil {
		t.Fatal("block 4→4 without time has a skip conv or a time projection")
	}
	assertShape(t, "4→4", same.Forward(x, nil), 2, 4, 5, 5)
	wider := NewResBlock(rngs, 4, 6, 8, 2, 0.1)
	if wider.Skip == nil || wider.Time == nil {
		t.Fatal("block 4→6 with time lacks a skip conv or a time projection")
	}
	assertShape(t, "4→6 with time", wider.Forward(x, randn(3, 2, 8)), 2, 6, 5, 5)
}

func TestResBlockAddsTimeEmbeddingPerChannel(t *testing.T) {
	b := NewResBlock(NewRngs(1), 2, 2, 3, 1, 0)
	x := randn(2, 1, 2, 4, 4)
	t1, t2 := randn(3, 1, 3), randn(4, 1, 3)
	if d := tensor.Sub(b.Forward(x, t1), b.Forward(x, t2)); tensor.MaxAxes(tensor.Abs(d), []int{0, 1, 2, 3}, false).Item() == 0 {
		t.Fatal("the output does not depend on the time embedding")
	}
}

func TestResBlockGradients(t *testing.T) {
	b := NewResBlock(NewRngs(1), 2, 4, 3, 2, 0)
	x, temb := randn(2, 2, 2, 3, 3), randn(3, 2, 3)
	wrt := append(withInput(x, b), Param{Name: "temb", Tensor: temb})
	checkGradients(t, "ResBlock", func() *tensor.Tensor { return b.Forward(x, temb) }, wrt)
}
