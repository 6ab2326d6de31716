//go:build !noasm

package kernels

import "unsafe"

// maskScaleAVX512 is MaskScale over n (a multiple of 16) values, reading
// the bits 16 at a time.
//
//go:noescape
func maskScaleAVX512(dst, src *float32, bits *uint16, n int, scale float32)

func maskScaleVector(dst, src []float32, bits []uint64, scale float32) int {
	n := len(dst) &^ 15
	if !hasAVX512 || n == 0 {
		return 0
	}
	maskScaleAVX512(&dst[0], &src[0], (*uint16)(unsafe.Pointer(&bits[0])), n, scale)
	return n
}
