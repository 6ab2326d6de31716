package bench

import "testing"

// BenchmarkRealNVPStep runs the realnvp workload's train step, for
// profiles: go test -run X -bench RealNVPStep -cpuprofile cpu.prof ./bench
func BenchmarkRealNVPStep(b *testing.B) {
	step, _ := realNVPWorkload().Setup()
	for i := 0; i < b.N; i++ {
		step()
	}
}
