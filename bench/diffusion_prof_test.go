package bench

import "testing"

// The diffusion workloads as Go benchmarks, for profiling:
// go test -run XXX -bench DDPMUNet -cpuprofile cpu.out ./bench
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
