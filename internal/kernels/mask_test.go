package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// MaskScale against the product with a mask, bit for bit, over lengths
// around the vector width and the values whose product with 0 is not +0.
func TestMaskScaleMatchesAMaskProduct(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	special := []float32{float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), -3, float32(math.Copysign(0, -1))}
	for _, n := range []int{1, 15, 16, 17, 63, 64, 65, 200} {
		src, dst := make([]float32, n), make([]float32, n)
		bits := make([]uint64, (n+63)/64)
		for i := range src {
			src[i] = float32(rng.NormFloat64())
			if i < len(special) {
				src[i] = special[i]
			}
			if rng.IntN(3) > 0 {
				bits[i/64] |= 1 << (i % 64)
			}
		}
		MaskScale(dst, src, bits, 1.25)
		for i, v := range src {
			m := float32(0)
			if bits[i/64]&(1<<(i%64)) != 0 {
				m = 1.25
			}
			if want := v * m; math.Float32bits(dst[i]) != math.Float32bits(want) && !(want != want && dst[i] != dst[i]) {
				t.Fatalf("n=%d: element %d (%g, kept %v) = %g, want %g", n, i, v, m != 0, dst[i], want)
			}
		}
	}
}
