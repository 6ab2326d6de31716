//go:build !amd64 || noasm

package kernels

// Without the amd64 vector kernels (another architecture, or the noasm
// build tag) the portable loops do all the work.
func leakyReLUVector(dst, src []float32, slope float32) int { return 0 }

func leakyReLUGradVector(dst, g, x []float32, slope float32) int { return 0 }
