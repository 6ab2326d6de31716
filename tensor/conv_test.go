package tensor

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// convCase is one Conv2d configuration; the same geometry is used for the
// transposed convolution, whose input is the convolution's output.
type convCase struct {
	n, c, h, w, o, kh, kw int
	opt                   Conv2dOptions
	outPad                [2]int // for ConvTranspose2d only
}

var convCases = []convCase{
	{n: 2, c: 3, h: 5, w: 6, o: 4, kh: 3, kw: 3},
	{n: 1, c: 2, h: 7, w: 5, o: 3, kh: 3, kw: 2, opt: Conv2dOptions{Stride: [2]int{2, 1}, Padding: [2]int{1, 2}}},
	{n: 2, c: 4, h: 6, w: 7, o: 6, kh: 2, kw: 3, opt: Conv2dOptions{Stride: [2]int{2, 3}, Padding: [2]int{1, 1}, Groups: 2}, outPad: [2]int{1, 2}},
	{n: 1, c: 2, h: 7, w: 7, o: 2, kh: 3, kw: 3, opt: Conv2dOptions{Dilation: [2]int{2, 3}, Padding: [2]int{2, 1}}},
	{n: 2, c: 3, h: 4, w: 5, o: 3, kh: 1, kw: 1},                                                       // 1×1 without im2col
	{n: 2, c: 4, h: 5, w: 5, o: 4, kh: 3, kw: 3, opt: Conv2dOptions{Groups: 4, Padding: [2]int{1, 1}}}, // depthwise
	{n: 3, c: 6, h: 3, w: 4, o: 4, kh: 1, kw: 1, opt: Conv2dOptions{Groups: 2}},                        // grouped 1×1
	{n: 1, c: 1, h: 9, w: 8, o: 2, kh: 3, kw: 4, opt: Conv2dOptions{Stride: [2]int{3, 2}, Dilation: [2]int{2, 1}, Padding: [2]int{1, 0}}, outPad: [2]int{2, 1}},
	{n: 2, c: 2, h: 6, w: 5, o: 3, kh: 3, kw: 3, opt: Conv2dOptions{Dilation: [2]int{2, 2}, Padding: [2]int{2, 2}}}, // dilated "same"
	{n: 1, c: 3, h: 4, w: 5, o: 2, kh: 1, kw: 1, opt: Conv2dOptions{Padding: [2]int{1, 2}}},                         // padding beyond the kernel
	{n: 2, c: 2, h: 5, w: 4, o: 2, kh: 5, kw: 3, opt: Conv2dOptions{Padding: [2]int{2, 1}}},
	// Fewer output than input channels at stride 1: computed through the
	// flipped geometry (flipCheaper).
	{n: 2, c: 6, h: 5, w: 6, o: 2, kh: 3, kw: 3, opt: Conv2dOptions{Padding: [2]int{1, 1}}},
	{n: 3, c: 8, h: 5, w: 5, o: 4, kh: 3, kw: 2, opt: Conv2dOptions{Padding: [2]int{1, 0}, Groups: 2}},
	{n: 1, c: 5, h: 7, w: 6, o: 3, kh: 3, kw: 3, opt: Conv2dOptions{Dilation: [2]int{2, 1}, Padding: [2]int{1, 2}}},
	{n: 2, c: 4, h: 4, w: 5, o: 1, kh: 2, kw: 3},
}

func (tc convCase) String() string {
	return fmt.Sprintf("x[%d %d %d %d] w[%d %d %d %d] %+v op%v", tc.n, tc.c, tc.h, tc.w, tc.o, tc.c/max(tc.opt.Groups, 1), tc.kh, tc.kw, tc.opt, tc.outPad)
}

func (tc convCase) tOpts() ConvTranspose2dOptions {
	return ConvTranspose2dOptions{Stride: tc.opt.Stride, Padding: tc.opt.Padding, Dilation: tc.opt.Dilation, Groups: tc.opt.Groups, OutputPadding: tc.outPad}
}

// conv2dRef is Conv2d as its definition: a sum over taps for every output.
func conv2dRef(x, w, b *Tensor, stride, dil [2]int, pad [4]int, groups int) *Tensor {
	n, c, h, wd := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	o, kh, kw := w.shape[0], w.shape[2], w.shape[3]
	oh := (h+pad[0]+pad[1]-dil[0]*(kh-1)-1)/stride[0] + 1
	ow := (wd+pad[2]+pad[3]-dil[1]*(kw-1)-1)/stride[1] + 1
	cg, og := c/groups, o/groups
	out := Zeros(n, o, oh, ow)
	for s := 0; s < n; s++ {
		for oc := 0; oc < o; oc++ {
			grp := oc / og
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					var sum float64
					if b != nil {
						sum = float64(b.data[oc])
					}
					for ic := 0; ic < cg; ic++ {
						for ki := 0; ki < kh; ki++ {
							for kj := 0; kj < kw; kj++ {
								ih, iw := i*stride[0]-pad[0]+ki*dil[0], j*stride[1]-pad[2]+kj*dil[1]
								if ih < 0 || ih >= h || iw < 0 || iw >= wd {
									continue
								}
								sum += float64(x.At(s, grp*cg+ic, ih, iw)) * float64(w.At(oc, ic, ki, kj))
							}
						}
					}
					out.data[((s*o+oc)*oh+i)*ow+j] = float32(sum)
				}
			}
		}
	}
	return out
}

// convTranspose2dRef scatters every input pixel times the kernel into the
// output, the definition of the transposed convolution.
func convTranspose2dRef(x, w, b *Tensor, opt ConvTranspose2dOptions) *Tensor {
	n, cin, h, wd := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	g := max(opt.Groups, 1)
	cog, kh, kw := w.shape[1], w.shape[2], w.shape[3]
	s, d := [2]int{max(opt.Stride[0], 1), max(opt.Stride[1], 1)}, [2]int{max(opt.Dilation[0], 1), max(opt.Dilation[1], 1)}
	oh := (h-1)*s[0] - 2*opt.Padding[0] + d[0]*(kh-1) + opt.OutputPadding[0] + 1
	ow := (wd-1)*s[1] - 2*opt.Padding[1] + d[1]*(kw-1) + opt.OutputPadding[1] + 1
	cout := cog * g
	acc := make([]float64, n*cout*oh*ow)
	for smp := 0; smp < n; smp++ {
		for ic := 0; ic < cin; ic++ {
			grp := ic / (cin / g)
			for i := 0; i < h; i++ {
				for j := 0; j < wd; j++ {
					v := float64(x.At(smp, ic, i, j))
					for oc := 0; oc < cog; oc++ {
						for ki := 0; ki < kh; ki++ {
							for kj := 0; kj < kw; kj++ {
								y, z := i*s[0]-opt.Padding[0]+ki*d[0], j*s[1]-opt.Padding[1]+kj*d[1]
								if y < 0 || y >= oh || z < 0 || z >= ow {
									continue
								}
								acc[((smp*cout+grp*cog+oc)*oh+y)*ow+z] += v * float64(w.At(ic, oc, ki, kj))
							}
						}
					}
				}
			}
		}
	}
	out := Zeros(n, cout, oh, ow)
	for i, v := range acc {
		if b != nil {
			v += float64(b.data[(i/(oh*ow))%cout])
		}
		out.data[i] = float32(v)
	}
	return out
}

func assertClose(t *testing.T, name string, got, want *Tensor, tol float64) {
	t.Helper()
	if !SameShape(got.shape, want.shape) {
		t.Fatalf("%s: shape %v, want %v", name, got.shape, want.shape)
	}
	for i := range want.data {
		if d := math.Abs(float64(got.data[i] - want.data[i])); d > tol*math.Max(1, math.Abs(float64(want.data[i]))) || d != d {
			t.Fatalf("%s: element %d = %v, want %v", name, i, got.data[i], want.data[i])
		}
	}
}

func (tc convCase) padding4() [4]int {
	return [4]int{tc.opt.Padding[0], tc.opt.Padding[0], tc.opt.Padding[1], tc.opt.Padding[1]}
}

func (tc convCase) strideDil() (s, d [2]int) {
	for i := range 2 {
		s[i], d[i] = max(tc.opt.Stride[i], 1), max(tc.opt.Dilation[i], 1)
	}
	return s, d
}

func TestConv2dMatchesDirectLoops(t *testing.T) {
	for i, tc := range convCases {
		g := max(tc.opt.Groups, 1)
		x, w, b := randn(uint64(i), tc.n, tc.c, tc.h, tc.w), randn(uint64(i+50), tc.o, tc.c/g, tc.kh, tc.kw), randn(uint64(i+90), tc.o)
		s, d := tc.strideDil()
		assertClose(t, "Conv2d "+tc.String(), Conv2d(x, w, b, tc.opt), conv2dRef(x, w, b, s, d, tc.padding4(), g), 1e-5)
		assertClose(t, "Conv2d no bias "+tc.String(), Conv2d(x, w, nil, tc.opt), conv2dRef(x, w, nil, s, d, tc.padding4(), g), 1e-5)
	}
}

func TestConvTranspose2dMatchesDirectLoops(t *testing.T) {
	for i, tc := range convCases {
		g := max(tc.opt.Groups, 1)
		// The transposed convolution's input has the convolution's output
		// channels and its weight is laid out [in, out/groups, kh, kw].
		x := randn(uint64(i), tc.n, tc.o, 3+i%3, 5+i%2)
		w, b := randn(uint64(i+50), tc.o, tc.c/g, tc.kh, tc.kw), randn(uint64(i+90), tc.c)
		opt := tc.tOpts()
		assertClose(t, "ConvTranspose2d "+tc.String(), ConvTranspose2d(x, w, b, opt), convTranspose2dRef(x, w, b, opt), 1e-5)
	}
}

func TestConv1dMatchesDirectLoops(t *testing.T) {
	for i, opt := range []Conv1dOptions{
		{},
		{Stride: 2, PadLeft: 1, PadRight: 1},
		{Dilation: 2, PadLeft: 4},             // causal, kernel 3
		{Groups: 2, PadRight: 2, Dilation: 3}, // asymmetric the other way
	} {
		x, w, b := randn(uint64(i), 2, 4, 11), randn(uint64(i+7), 6, 4/max(opt.Groups, 1), 3), randn(uint64(i+9), 6)
		x4, w4 := Reshape(x, 2, 4, 1, 11), Reshape(w, 6, w.shape[1], 1, 3)
		want := conv2dRef(x4, w4, b, [2]int{1, max(opt.Stride, 1)}, [2]int{1, max(opt.Dilation, 1)}, [4]int{0, 0, opt.PadLeft, opt.PadRight}, max(opt.Groups, 1))
		got := Conv1d(x, w, b, opt)
		assertClose(t, fmt.Sprintf("Conv1d %+v", opt), got, Reshape(want, want.shape[0], want.shape[1], want.shape[3]), 1e-5)
	}
}

func TestCausalConv1dDoesNotSeeTheFuture(t *testing.T) {
	x := randn(1, 1, 2, 10).SetRequiresGrad(true)
	w := randn(2, 3, 2, 3)
	y := Conv1d(x, w, nil, Conv1dOptions{Dilation: 2, PadLeft: 4})
	if !SameShape(y.shape, []int{1, 3, 10}) {
		t.Fatalf("causal output shape %v, want [1 3 10]", y.shape)
	}
	// The output at time 5 may depend on inputs up to time 5 only.
	sel := Zeros(1, 3, 10)
	sel.data[5] = 1
	gx := Grad([]*Tensor{Sum(Mul(y, sel))}, []*Tensor{x}, false)[0]
	for c := 0; c < 2; c++ {
		for l := 0; l < 10; l++ {
			if v := gx.At(0, c, l); (l > 5 || l%2 == 0) != (v == 0) {
				t.Errorf("d y[5] / d x[%d][%d] = %v", c, l, v)
			}
		}
	}
}

func TestConv2dGradients(t *testing.T) {
	for i, tc := range convCases {
		g := max(tc.opt.Groups, 1)
		x, w, b := randn(uint64(i), tc.n, tc.c, tc.h, tc.w), randn(uint64(i+50), tc.o, tc.c/g, tc.kh, tc.kw), randn(uint64(i+90), tc.o)
		checkGrad(t, "Conv2d "+tc.String(), func(xs []*Tensor) *Tensor { return Conv2d(xs[0], xs[1], xs[2], tc.opt) }, x, w, b)
	}
}

func TestConvTranspose2dGradients(t *testing.T) {
	for i, tc := range convCases {
		g := max(tc.opt.Groups, 1)
		x := randn(uint64(i), tc.n, tc.o, 3+i%2, 4+i%2)
		w, b := randn(uint64(i+50), tc.o, tc.c/g, tc.kh, tc.kw), randn(uint64(i+90), tc.c)
		opt := tc.tOpts()
		checkGrad(t, "ConvTranspose2d "+tc.String(), func(xs []*Tensor) *Tensor { return ConvTranspose2d(xs[0], xs[1], xs[2], opt) }, x, w, b)
	}
}

func TestConv1dGradients(t *testing.T) {
	opt := Conv1dOptions{Stride: 2, Dilation: 2, Groups: 2, PadLeft: 3, PadRight: 1}
	x, w, b := randn(1, 2, 4, 9), randn(2, 6, 2, 3), randn(3, 6)
	checkGrad(t, "Conv1d", func(xs []*Tensor) *Tensor { return Conv1d(xs[0], xs[1], xs[2], opt) }, x, w, b)
}

// The weight-gradient op is recorded like any other, so its own gradients
// (used by second-order differentiation) are checked the same way.
func TestConvWeightGradOpGradients(t *testing.T) {
	for i, tc := range convCases {
		g := max(tc.opt.Groups, 1)
		x, w := randn(uint64(i), tc.n, tc.c, tc.h, tc.w), Zeros(tc.o, tc.c/g, tc.kh, tc.kw)
		y := Conv2d(x, w, nil, tc.opt)
		p := newConvGeom("test", x.shape, w.shape, tc.n, tc.c, tc.h, tc.w, w.shape, tc.opt.Stride, tc.padding4(), tc.opt.Dilation, tc.opt.Groups)
		p.setNaturalOutput("test", x.shape, w.shape)
		gy := randn(uint64(i+20), y.shape...)
		checkGrad(t, "convWeightGrad "+tc.String(), func(xs []*Tensor) *Tensor { return convWeightGrad(xs[0], xs[1], p) }, x, gy)
	}
}

// critic is a small convolutional function of x whose input gradient
// involves every conv op and the pools and resizes.
func critic(x, w1, b1, w2, b2 *Tensor) *Tensor {
	h := Conv2d(x, w1, b1, Conv2dOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}})
	h = Mul(h, h)
	h = ConvTranspose2d(h, w2, b2, ConvTranspose2dOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, OutputPadding: [2]int{1, 0}, Groups: 2})
	h = UpsampleBilinear2d(h, 7, 5, false)
	h = AvgPool2d(Mul(h, h), [2]int{3, 2}, [2]int{2, 1}, [2]int{1, 1})
	h = Conv1d(Reshape(h, h.shape[0], h.shape[1], -1), Reshape(w1, 4, 2, 9), nil, Conv1dOptions{Dilation: 2, PadLeft: 16, Groups: 2})
	return Sum(Mul(h, h))
}

// A WGAN-GP penalty differentiates the critic's input gradient; a penalty
// on a weight gradient (as in meta-learning) also differentiates the
// weight-gradient op, so both are checked against finite differences.
func TestGradientPenaltyThroughConvolutionsMatchesFiniteDifferences(t *testing.T) {
	x := Scale(randn(1, 2, 2, 6, 5), 0.5)
	leaves := []*Tensor{x, Scale(randn(2, 4, 2, 3, 3), 0.3), Scale(randn(3, 4), 0.3), Scale(randn(4, 4, 2, 3, 2), 0.3), Scale(randn(5, 4), 0.3)}
	for wrt := range 2 {
		for _, l := range leaves {
			l.SetRequiresGrad(true)
			l.ZeroGrad()
		}
		penalty := func() *Tensor {
			d := critic(leaves[0], leaves[1], leaves[2], leaves[3], leaves[4])
			g := Grad([]*Tensor{d}, []*Tensor{leaves[wrt]}, true)[0]
			return Sum(Mul(g, g))
		}
		penalty().Backward()
		for k, p := range leaves {
			if p.grad == nil {
				t.Fatalf("penalty on gradient %d: leaf %d got no gradient", wrt, k)
			}
			for i := range p.data {
				orig := p.data[i]
				h := float32(1e-2)
				p.data[i] = orig + h
				fp := float64(penalty().Item())
				p.data[i] = orig - h
				fm := float64(penalty().Item())
				p.data[i] = orig
				num, ana := (fp-fm)/(2*float64(h)), float64(p.grad.data[i])
				if math.Abs(num-ana) > 2e-2*math.Max(1, math.Abs(num)) {
					t.Fatalf("penalty on gradient %d: d/d leaf%d[%d]: analytic %.5f, numeric %.5f", wrt, k, i, ana, num)
				}
			}
		}
	}
}

func expectPanic(t *testing.T, want []string, fn func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		msg, _ := r.(string)
		for _, w := range want {
			if !strings.Contains(msg, w) {
				t.Errorf("panic %q does not mention %q", msg, w)
			}
		}
	}()
	fn()
}

func TestConvBadShapesPanicWithOpAndShapes(t *testing.T) {
	expectPanic(t, []string{"Conv2d", "divisible by groups 2", "[1 3 5 5]"}, func() {
		Conv2d(Zeros(1, 3, 5, 5), Zeros(4, 1, 3, 3), nil, Conv2dOptions{Groups: 2})
	})
	expectPanic(t, []string{"Conv2d", "larger than the padded input 6x6", "[1 1 4 4]", "[1 1 7 7]"}, func() {
		Conv2d(Zeros(1, 1, 4, 4), Zeros(1, 1, 7, 7), nil, Conv2dOptions{Padding: [2]int{1, 1}})
	})
	expectPanic(t, []string{"Conv2d", "rank 4", "[2 3 3]"}, func() {
		Conv2d(Zeros(1, 3, 5, 5), Zeros(2, 3, 3), nil, Conv2dOptions{})
	})
	expectPanic(t, []string{"Conv2d", "expects 2 input channels per group", "[1 3 5 5]"}, func() {
		Conv2d(Zeros(1, 3, 5, 5), Zeros(2, 2, 3, 3), nil, Conv2dOptions{})
	})
	expectPanic(t, []string{"Conv2d", "bias [3]", "[2]"}, func() {
		Conv2d(Zeros(1, 3, 5, 5), Zeros(2, 3, 3, 3), Zeros(3), Conv2dOptions{})
	})
	expectPanic(t, []string{"Conv1d", "rank 3", "[1 3 5 5]"}, func() {
		Conv1d(Zeros(1, 3, 5, 5), Zeros(2, 3, 3), nil, Conv1dOptions{})
	})
	expectPanic(t, []string{"Conv1d", "larger than the padded input", "[1 3 5]"}, func() {
		Conv1d(Zeros(1, 3, 5), Zeros(2, 3, 4), nil, Conv1dOptions{Dilation: 2})
	})
	expectPanic(t, []string{"ConvTranspose2d", "divisible by groups 3", "[4 1 3 3]"}, func() {
		ConvTranspose2d(Zeros(1, 4, 5, 5), Zeros(4, 1, 3, 3), nil, ConvTranspose2dOptions{Groups: 3})
	})
	expectPanic(t, []string{"ConvTranspose2d", "output padding [2 0] must be smaller", "[1 4 5 5]"}, func() {
		ConvTranspose2d(Zeros(1, 4, 5, 5), Zeros(4, 1, 3, 3), nil, ConvTranspose2dOptions{Stride: [2]int{2, 2}, OutputPadding: [2]int{2, 0}})
	})
	expectPanic(t, []string{"ConvTranspose2d", "has 3 channels", "[4 1 3 3]"}, func() {
		ConvTranspose2d(Zeros(1, 3, 5, 5), Zeros(4, 1, 3, 3), nil, ConvTranspose2dOptions{})
	})
}

func TestConvSteadyStateReusesScratch(t *testing.T) {
	x, w := randn(1, 4, 8, 16, 16), randn(2, 8, 8, 3, 3)
	step := func() { Conv2d(x, w, nil, Conv2dOptions{Padding: [2]int{1, 1}}) }
	step()
	// One output tensor and small bookkeeping per call, not an im2col
	// matrix (72×256 floats).
	if b := testing.AllocsPerRun(5, step); b > 20 {
		t.Errorf("Conv2d allocates %v times per call", b)
	}
}

// conv2Net is the convolutional part of the shared "conv2" benchmark
// workload: 1→32 and 32→32 3×3 convolutions over a 28×28 batch of 32.
type conv2Net struct{ x, w1, b1, w2, b2 *Tensor }

func newConv2Net() *conv2Net {
	r := NewRngs(1).Params()
	return &conv2Net{
		x:  r.Normal(32, 1, 28, 28),
		w1: r.NormalScaled(0, 0.3, 32, 1, 3, 3).SetRequiresGrad(true),
		b1: Zeros(32).SetRequiresGrad(true),
		w2: r.NormalScaled(0, 0.06, 32, 32, 3, 3).SetRequiresGrad(true),
		b2: Zeros(32).SetRequiresGrad(true),
	}
}

func (m *conv2Net) forward() *Tensor {
	pad := Conv2dOptions{Padding: [2]int{1, 1}}
	return Conv2d(ReLU(Conv2d(m.x, m.w1, m.b1, pad)), m.w2, m.b2, pad)
}

func BenchmarkConv2Forward(b *testing.B) {
	m := newConv2Net()
	for b.Loop() {
		NoGrad(func() { m.forward() })
	}
}

func BenchmarkConv2ForwardBackward(b *testing.B) {
	m := newConv2Net()
	for b.Loop() {
		Sum(m.forward()).Backward()
		for _, p := range []*Tensor{m.w1, m.b1, m.w2, m.b2} {
			p.ZeroGrad()
		}
	}
}

func TestChannelSumGradients(t *testing.T) {
	checkGrad(t, "channelSum", func(xs []*Tensor) *Tensor { return channelSum(xs[0]) }, randn(1, 2, 3, 4, 5))
}

func TestConv2dOnPlanesSmallerThanTheKernel(t *testing.T) {
	// A padded 3×3 convolution of a 1×1 (or 1×2) plane sees only the
	// centre taps; the outer taps fall wholly in the padding.
	for _, w := range []int{1, 2} {
		x, k := randn(1, 2, 3, 1, w), randn(2, 4, 3, 3, 3)
		got := Conv2d(x, k, nil, Conv2dOptions{Padding: [2]int{1, 1}})
		want := Conv2d(Pad(x, [][2]int{{0, 0}, {0, 0}, {1, 1}, {1, 1}}, "constant", 0), k, nil, Conv2dOptions{})
		for i, v := range want.Data() {
			if math.Abs(float64(got.Data()[i]-v)) > 1e-5 {
				t.Fatalf("width %d: element %d = %v, want %v", w, i, got.Data()[i], v)
			}
		}
	}
}

// A batch's GEMMs take several samples side by side (samplesPerGemm);
// the convolution and both gradients must equal those computed one sample
// at a time, in every direction the geometry's channel counts pick.
func TestConvBatchedGemmsMatchOneSampleAtATime(t *testing.T) {
	const n = 9
	for i, tc := range convCases {
		g := max(tc.opt.Groups, 1)
		x := randn(uint64(i), n, tc.c, tc.h, tc.w).SetRequiresGrad(true)
		w := randn(uint64(i+50), tc.o, tc.c/g, tc.kh, tc.kw).SetRequiresGrad(true)
		b := randn(uint64(i+90), tc.o).SetRequiresGrad(true)
		y := Conv2d(x, w, b, tc.opt)
		r := randn(uint64(i+120), y.Shape()...)
		Sum(Mul(y, r)).Backward()
		gw := Zeros(w.Shape()...)
		for s := range n {
			xs := Narrow(x.Detach(), 0, s, 1).Clone().SetRequiresGrad(true)
			ws := w.Detach().Clone().SetRequiresGrad(true)
			ys := Conv2d(xs, ws, b.Detach(), tc.opt)
			Sum(Mul(ys, Narrow(r, 0, s, 1))).Backward()
			for name, pair := range map[string][2]*Tensor{
				"output":         {Narrow(y, 0, s, 1), ys},
				"input gradient": {Narrow(x.Grad(), 0, s, 1), xs.Grad()},
			} {
				for k, v := range pair[1].Clone().Data() {
					if got := pair[0].Clone().Data()[k]; math.Abs(float64(got-v)) > 1e-4*(1+math.Abs(float64(v))) {
						t.Fatalf("%v: sample %d: %s element %d = %v, one at a time %v", tc, s, name, k, got, v)
					}
				}
			}
			gw = Add(gw, ws.Grad())
		}
		for k, v := range gw.Data() {
			if got := w.Grad().Data()[k]; math.Abs(float64(got-v)) > 1e-3*(1+math.Abs(float64(v))) {
				t.Fatalf("%v: weight gradient element %d = %v, summed one at a time %v", tc, k, got, v)
			}
		}
	}
}
