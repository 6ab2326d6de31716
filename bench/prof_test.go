package bench

import "testing"

func BenchmarkConv2Step(b *testing.B) {
	step, _ := conv2Workload().Setup()
	for i := 0; i < b.N; i++ {
		step()
	}
}
func BenchmarkMLPVAEStep(b *testing.B) {
	step, _ := mlpVAEWorkload().Setup()
	for i := 0; i < b.N; i++ {
		step()
	}
}

func BenchmarkDCGANStep(b *testing.B) {
	step, _ := dcganWorkload().Setup()
	for i := 0; i < b.N; i++ {
		step()
	}
}
