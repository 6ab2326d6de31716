package bench

import (
	"github.com/artifex-go/artifex/internal/kernels"
	"github.com/artifex-go/artifex/tensor"
)

func gemmWorkload() Workload {
	return Workload{
		Name:        "gemm",
		Description: "fp32 1024×1024 @ 1024×1024 matrix product",
		Warmup:      3,
		Reps:        15,
		Setup: func() (func(), float64) {
			const n = 1024
			s := tensor.NewRngs(0).Stream("bench")
			a, b := s.Normal(n, n).Data(), s.Normal(n, n).Data()
			c := make([]float32, n*n)
			return func() {
				kernels.Sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n)
			}, 2 * n * n * n
		},
	}
}
