package kernels

import (
	"math/bits"
	"sync"
)

// scratch holds reusable float32 buffers in power-of-two size classes, so
// that the im2col matrices of a training step are recycled rather than
// reallocated; the contents of a buffer are arbitrary.
var scratch [64]sync.Pool

func getScratch(n int) *[]float32 {
	class := bits.Len(uint(max(n, 1) - 1))
	if b, ok := scratch[class].Get().(*[]float32); ok {
		*b = (*b)[:n]
		return b
	}
	s := make([]float32, n, 1<<class)
	return &s
}

func putScratch(b *[]float32) {
	scratch[bits.Len(uint(cap(*b)-1))].Put(b)
}

// scratchIf returns a scratch buffer of n floats and the function that
// gives it back, or, when want is false, nil and a function that does
// nothing.
func scratchIf(want bool, n int) ([]float32, func()) {
	if !want {
		return nil, func() {}
	}
	b := getScratch(n)
	return *b, func() { putScratch(b) }
}
