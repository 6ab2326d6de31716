//go:build !amd64 || noasm

package kernels

// Without the amd64 vector kernels (another architecture, or the noasm
// build tag) the portable loops do all the work.
func vector(kind int, dst, deriv, src []float32) bool { return false }
