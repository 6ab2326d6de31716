//go:build !amd64

package kernels

// The vector kernels exist only on amd64; elsewhere the portable loops do
// all the work.
func leakyReLUVector(dst, src []float32, slope float32) int { return 0 }

func leakyReLUGradVector(dst, g, x []float32, slope float32) int { return 0 }
