package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkConvShapes times each direction of the "same" 3×3 and 7×7
// convolutions of the conv2, PixelCNN and UNet workloads on their own:
// the forward pass, the adjoint (input gradient) and the weight gradient.
func BenchmarkConvShapes(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range [][5]int{{32, 32, 32, 28, 3}, {32, 1, 32, 28, 3}, {32, 32, 32, 28, 7}, {64, 64, 64, 16, 3}, {64, 128, 128, 8, 3}, {64, 64, 64, 14, 3}, {64, 128, 128, 7, 3}} {
		n, c, o, h, k := s[0], s[1], s[2], s[3], s[4]
		p := Conv{N: n, C: c, H: h, W: h, O: o, KH: k, KW: k, OH: h, OW: h, SH: 1, SW: 1, PT: k / 2, PB: k / 2, PL: k / 2, PR: k / 2, DH: 1, DW: 1, G: 1}
		x := randFloats(rng, n*c*h*h)
		w := randFloats(rng, o*c*k*k)
		bias := randFloats(rng, o)
		y := make([]float32, n*o*h*h)
		gx := make([]float32, len(x))
		gw := make([]float32, len(w))
		name := fmt.Sprintf("N%dC%dO%dH%dK%d", n, c, o, h, k)
		b.Run(name+"/fwd", func(b *testing.B) {
			for b.Loop() {
				p.Forward(x, w, bias, y)
			}
		})
		b.Run(name+"/adj", func(b *testing.B) {
			for b.Loop() {
				p.Adjoint(y, w, nil, gx)
			}
		})
		b.Run(name+"/wgrad", func(b *testing.B) {
			for b.Loop() {
				p.WeightGrad(x, y, gw)
			}
		})
	}
}
