package bench

import (
	"testing"

	"github.com/artifex-go/artifex/models/backbone"
	"github.com/artifex-go/artifex/tensor"
)

// The diffusion workloads as Go benchmarks, for profiling and for CPU-time
// comparisons on a busy machine:
//
//	go test -run XXX -bench DDPMUNet -benchtime 10x -cpuprofile cpu.out ./bench
func BenchmarkDDPMUNetStep(b *testing.B) {
	step, _ := ddpmUNetWorkload().Setup()
	for b.Loop() {
		step()
	}
}

func BenchmarkDDIMSample(b *testing.B) {
	step, _ := ddimSampleWorkload().Setup()
	for b.Loop() {
		step()
	}
}

// BenchmarkUNetForward64 is one of the 50 steps of ddim-sample: the UNet
// on 64 images without gradients, in an arena.
func BenchmarkUNetForward64(b *testing.B) {
	u := mnistDDPM().Backbone.(*backbone.UNet)
	rngs := tensor.NewRngs(1)
	x := rngs.Stream("x").Normal(64, 1, 28, 28)
	t := tensor.Full(500, 64)
	arena := tensor.NewArena() // as the samplers run each denoising step
	for b.Loop() {
		arena.Step(func() { tensor.NoGrad(func() { u.Forward(x, t) }) })
	}
}
