package optim

import (
	"testing"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// vaeParams are the parameters of the 784-256-16 VAE of the mlp-vae
// benchmark (about 415k values), each with a gradient.
func vaeParams() []nn.Param {
	rng := tensor.NewRngs(3).Params()
	var ps []nn.Param
	for i, shape := range [][]int{{784, 256}, {256}, {256, 32}, {32}, {16, 256}, {256}, {256, 784}, {784}} {
		t := rng.Normal(shape...).SetRequiresGrad(true)
		t.SetGrad(rng.Normal(shape...))
		ps = append(ps, nn.Param{Name: string(rune('a' + i)), Tensor: t})
	}
	return ps
}

func benchStep(b *testing.B, o Optimizer) {
	n := 0
	for _, p := range o.Params() {
		n += p.Tensor.Size()
	}
	b.SetBytes(int64(n) * 4)
	b.ReportAllocs()
	for b.Loop() {
		o.Step()
	}
}

func BenchmarkAdamStep(b *testing.B) {
	o, _ := NewAdam(vaeParams(), AdamConfig{LR: 1e-3})
	benchStep(b, o)
}

func BenchmarkAdamWStep(b *testing.B) {
	o, _ := NewAdamW(vaeParams(), AdamConfig{LR: 1e-3, WeightDecay: 0.01})
	benchStep(b, o)
}

func BenchmarkSGDMomentumStep(b *testing.B) {
	o, _ := NewSGD(vaeParams(), SGDConfig{LR: 1e-3, Momentum: 0.9})
	benchStep(b, o)
}

func BenchmarkRMSPropStep(b *testing.B) {
	o, _ := NewRMSProp(vaeParams(), RMSPropConfig{LR: 1e-3})
	benchStep(b, o)
}

func BenchmarkEMAUpdate(b *testing.B) {
	ps := vaeParams()
	e, _ := NewEMA(ps, 0.999)
	for b.Loop() {
		e.Update(ps)
	}
}

func BenchmarkClipGradNorm(b *testing.B) {
	ps := vaeParams()
	for b.Loop() {
		ClipGradNorm(ps, 1e9)
	}
}
