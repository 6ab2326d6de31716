//go:build !amd64 || noasm

package kernels

// adamVector has no vector version here: updateGo does all the work.
func adamVector(k *Adam, w, g, m, v []float32) int { return 0 }
