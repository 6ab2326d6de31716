package tensor

import (
	"fmt"
	"math"
	"testing"
)

// The activations whose forward and backward run on the kernels package's
// vector slice kernels (Exp, Tanh, Sigmoid directly; Mish and LogSigmoid
// through them).
var vectorActivations = []struct {
	name string
	f    func(*Tensor) *Tensor
	ref  func(x float64) float64
}{
	{"Exp", Exp, math.Exp},
	{"Tanh", Tanh, math.Tanh},
	{"Sigmoid", Sigmoid, func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }},
	{"SiLU", SiLU, func(x float64) float64 { return x / (1 + math.Exp(-x)) }},
	{"GELU", GELU, func(x float64) float64 { return x * 0.5 * math.Erfc(-x/math.Sqrt2) }},
	{"GELUTanh", GELUTanh, func(x float64) float64 {
		return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
	}},
	{"Softplus", Softplus, func(x float64) float64 { return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) }},
	{"LogSigmoid", LogSigmoid, func(x float64) float64 { return -math.Log1p(math.Exp(-x)) }},
	{"Mish", Mish, func(x float64) float64 { return x * math.Tanh(math.Log1p(math.Exp(x))) }},
}

// 35 elements: four whole vectors and a partial one, which the kernels
// handle through a buffer.
func TestVectorActivationGradientsFiniteDifferences(t *testing.T) {
	for _, c := range vectorActivations {
		x := Scale(randn(21, 5, 7), 2)
		checkGrad(t, c.name, func(xs []*Tensor) *Tensor { return c.f(xs[0]) }, x)
		checkSecondOrderFD(t, c.name, c.f, Scale(randn(22, 5, 7), 0.5))
	}
}

// GroupNormSiLU runs SiLU and its derivative on the vector kernel a
// channel at a time: 25 positions per channel, three vectors and a part.
func TestGroupNormSiLUGradientOnVectorSizes(t *testing.T) {
	checkGrad(t, "GroupNormSiLU", func(xs []*Tensor) *Tensor { return GroupNormSiLU(xs[0], xs[1], xs[2], 2, 1e-5) },
		randn(26, 2, 4, 5, 5), randn(27, 4), randn(28, 4))
}

// Above parallelGrain the work is split over cores: the values must match
// float64 everywhere, and the fused gradient (stored derivative) must match
// the one composed of differentiable ops.
func TestVectorActivationsOnLargeTensors(t *testing.T) {
	n := parallelGrain*2 + 13
	x := Scale(randn(23, n), 3)
	w := randn(24, n)
	for _, c := range vectorActivations {
		y := c.f(x)
		for i, v := range x.data {
			want := c.ref(float64(v))
			if d := math.Abs(float64(y.data[i]) - want); d > 2e-6*math.Max(1, math.Abs(want)) {
				t.Fatalf("%s(%g) = %g, float64 %g", c.name, v, y.data[i], want)
			}
		}
		xr := x.Clone().SetRequiresGrad(true)
		fused := Grad([]*Tensor{Sum(Mul(c.f(xr), w))}, []*Tensor{xr}, false)[0]
		recorded := Grad([]*Tensor{Sum(Mul(c.f(xr), w))}, []*Tensor{xr}, true)[0]
		for i := range fused.data {
			if d := math.Abs(float64(fused.data[i] - recorded.data[i])); d > 2e-5*math.Max(1, math.Abs(float64(recorded.data[i]))) {
				t.Fatalf("%s at x=%g: fused gradient %g, recorded %g", c.name, x.data[i], fused.data[i], recorded.data[i])
			}
		}
	}
}

// BenchmarkVectorActivations reports ns per element of the forward pass and
// of forward+backward (through Sum) of the activations on the vector
// kernels, split over cores as in training (ARTIFEX_THREADS).
func BenchmarkVectorActivations(b *testing.B) {
	for _, n := range []int{1 << 12, 1 << 16, 1 << 20} {
		x := randn(29, n)
		xg := x.Clone().SetRequiresGrad(true)
		for _, op := range vectorActivations {
			b.Run(fmt.Sprintf("%s/forward/n=%d", op.name, n), func(b *testing.B) {
				for b.Loop() {
					op.f(x)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/elem")
			})
			b.Run(fmt.Sprintf("%s/forward+backward/n=%d", op.name, n), func(b *testing.B) {
				for b.Loop() {
					Sum(op.f(xg)).Backward()
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/elem")
			})
		}
	}
}
