//go:build !amd64 || noasm

package kernels

func maskScaleVector(dst, src []float32, bits []uint64, scale float32) int { return 0 }
