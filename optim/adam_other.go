//go:build !amd64

package optim

// adamVector has no vector version on this architecture.
func adamVector(k *adamKernel, w, g, m, v []float32) int { return 0 }
