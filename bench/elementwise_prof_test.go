package bench

import "testing"

// The profiles of issue 17's elementwise work: a PixelCNN and a
// transformer training step, beside the other workloads' benchmarks.

func BenchmarkPixelCNNStep(b *testing.B) {
	step, _ := pixelCNNWorkload().Setup()
	for b.Loop() {
		step()
	}
}

func BenchmarkTransformerStep(b *testing.B) {
	step, _ := transformerWorkload().Setup()
	for b.Loop() {
		step()
	}
}
