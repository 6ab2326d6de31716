//go:build !amd64 || noasm

package kernels

// Without the amd64 vector kernels (another architecture, or the noasm
// build tag) the portable loops do all the work.
func vectorVV(op int, dst, a, b []float32) int { return 0 }

func vectorVS(op int, dst, x []float32, s float32) int { return 0 }

func vectorFill(dst []float32, v float32) int { return 0 }

func vectorSum(lanes *[8]float32, x []float32) int { return 0 }
