package bench

import "testing"

// BenchmarkRealNVPStep runs the realnvp workload's train step, for
// profiles: go test -run X -bench RealNVPStep -cpuprofile cpu.prof ./bench
func BenchmarkRealNVPStep(b *testing.B) {
	step, _ := realNVPWorkload().Setup()
	for b.Loop() {
		step()
	}
}

// BenchmarkGlowStep runs the same train step for flow_mnist_glow (no
// PyTorch twin; for profiles and before/after timings of the engine):
// go test -run X -bench GlowStep ./bench
func BenchmarkGlowStep(b *testing.B) {
	step, _ := flowStepSetup("flow_mnist_glow")()
	for b.Loop() {
		step()
	}
}
