package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchSgemm times Sgemm with the given kernel on one shape and reports
// GFLOP/s (2*m*n*k floating-point operations per call).
func benchSgemm(b *testing.B, kn *gemmKernel, transA, transB bool, m, n, k int) {
	rng := rand.New(rand.NewPCG(7, 8))
	x, y, c := randFloats(rng, m*k), randFloats(rng, k*n), make([]float32, m*n)
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	kn.sgemm(transA, transB, m, n, k, 1, x, lda, y, ldb, 0, c, n)
	b.ResetTimer()
	for range b.N {
		kn.sgemm(transA, transB, m, n, k, 1, x, lda, y, ldb, 0, c, n)
	}
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkSgemm1024(b *testing.B) {
	benchSgemm(b, fastKernel, false, false, 1024, 1024, 1024)
}

// BenchmarkSgemmKernels compares the micro-kernels this CPU supports on a
// mid-sized square product.
func BenchmarkSgemmKernels(b *testing.B) {
	for _, kn := range availableKernels() {
		b.Run(kn.name, func(b *testing.B) { benchSgemm(b, kn, false, false, 512, 512, 512) })
	}
}

// BenchmarkSgemmTraining covers the small and skinny products of the MLP
// and conv training steps, in every transpose combination.
func BenchmarkSgemmTraining(b *testing.B) {
	shapes := [][3]int{
		{64, 256, 784}, {64, 784, 256}, {256, 784, 64}, {784, 256, 64},
		{32, 25088, 288}, {288, 784, 32}, {64, 64, 32}, {16, 16, 16},
	}
	for _, s := range shapes {
		for tr := 0; tr < 4; tr++ {
			tA, tB := tr&1 != 0, tr&2 != 0
			name := fmt.Sprintf("%dx%dx%d/%s", s[0], s[1], s[2], [4]string{"NN", "TN", "NT", "TT"}[tr])
			b.Run(name, func(b *testing.B) { benchSgemm(b, fastKernel, tA, tB, s[0], s[1], s[2]) })
		}
	}
}
