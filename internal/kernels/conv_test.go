package kernels

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkConv2Im2col times the data movement of the conv2 workload alone:
// the im2col of both layers in the forward and again for the weight
// gradients, and that of layer 2's output gradient, from which the
// input gradient of a stride-1 convolution is computed.
func BenchmarkConv2Im2col(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	geom := func(c int) Conv {
		return Conv{N: 32, C: c, H: 28, W: 28, O: 32, KH: 3, KW: 3, OH: 28, OW: 28,
			SH: 1, SW: 1, PT: 1, PB: 1, PL: 1, PR: 1, DH: 1, DW: 1, G: 1}
	}
	p1, p2 := geom(1), geom(32)
	q2 := p2.flipped()
	jobs := []struct {
		p     *Conv
		x     []float32
		times int
	}{{&p1, randFloats(rng, 32*1*28*28), 2}, {&p2, randFloats(rng, 32*32*28*28), 2}, {&q2, randFloats(rng, 32*32*28*28), 1}}
	for b.Loop() {
		for _, j := range jobs {
			p, hw := j.p, j.p.H*j.p.W
			forChunks(p.N, func(_, lo, hi int) {
				buf := getScratch(p.colRows() * p.OH * p.OW)
				defer putScratch(buf)
				for n := lo; n < hi; n++ {
					for range j.times {
						im2col(p, j.x[n*p.C*hw:(n+1)*p.C*hw], *buf, p.OH*p.OW)
					}
				}
			})
		}
	}
}
