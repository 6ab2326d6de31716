package kernels

import (
	"math"
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

// eachTap calls fn for every output value and every tap of p that reads
// the input rather than the padding, with the flat indices of the input
// value, the weight and the output value: the definition of the
// convolution, from which the references below sum in float64.
func eachTap(p *Conv, fn func(xi, wi, yi int)) {
	cg, og := p.C/p.G, p.O/p.G
	for n := range p.N {
		for o := range p.O {
			gi := o / og
			for oh := range p.OH {
				for ow := range p.OW {
					yi := ((n*p.O+o)*p.OH+oh)*p.OW + ow
					for c := range cg {
						for ki := range p.KH {
							for kj := range p.KW {
								h, v := oh*p.SH+ki*p.DH-p.PT, ow*p.SW+kj*p.DW-p.PL
								if h < 0 || h >= p.H || v < 0 || v >= p.W {
									continue
								}
								fn(((n*p.C+gi*cg+c)*p.H+h)*p.W+v, ((o*cg+c)*p.KH+ki)*p.KW+kj, yi)
							}
						}
					}
				}
			}
		}
	}
}

// toFloat32 rounds float64 sums, adding b[i/per%len(b)] when b is not nil.
func toFloat32(sums []float64, b []float32, per int) []float32 {
	out := make([]float32, len(sums))
	for i, v := range sums {
		if b != nil {
			v += float64(b[i/per%len(b)])
		}
		out[i] = float32(v)
	}
	return out
}

// convRef is the convolution by its definition.
func convRef(p *Conv, x, w, b []float32) []float32 {
	y := make([]float64, p.N*p.O*p.OH*p.OW)
	eachTap(p, func(xi, wi, yi int) { y[yi] += float64(x[xi]) * float64(w[wi]) })
	return toFloat32(y, b, p.OH*p.OW)
}

// sameConv returns a stride-1 geometry with output rows as wide as the
// input's, its output height following from the vertical padding.
func sameConv(n, c, h, w, o, kh, kw, pt, pb, pl, dh, dw, g int) Conv {
	p := Conv{N: n, C: c, H: h, W: w, O: o, KH: kh, KW: kw, SH: 1, SW: 1,
		PT: pt, PB: pb, PL: pl, PR: dw*(kw-1) - pl, DH: dh, DW: dw, G: g}
	p.OH, p.OW = h+pt+pb-dh*(kh-1), w
	return p
}

// The implicit GEMM packs each panel of the column matrix (or of its
// transpose, for the weight gradient) from the image with masks for the
// padding and for a sample's last, partial panel; with every micro-kernel
// and packer the convolution and its weight gradient must follow their
// definitions, over the padding patterns, dilations, groups, depth blocks
// and channel counts that are not multiples of the register tile.
func TestConvImplicitMatchesDefinition(t *testing.T) {
	geoms := []Conv{
		sameConv(3, 4, 9, 9, 5, 3, 3, 1, 1, 1, 1, 1, 1),      // 81 pixels: a partial panel
		sameConv(2, 3, 8, 12, 10, 7, 7, 3, 3, 3, 1, 1, 1),    // PixelCNN's 7×7
		sameConv(2, 2, 10, 7, 3, 3, 3, 2, 2, 2, 2, 2, 1),     // dilated "same"
		sameConv(2, 4, 9, 8, 6, 3, 3, 2, 0, 1, 1, 1, 2),      // causal rows, two groups
		sameConv(2, 3, 8, 9, 4, 3, 3, 1, 0, 1, 1, 1, 1),      // one row fewer out than in
		sameConv(3, 40, 8, 8, 9, 3, 3, 1, 1, 1, 1, 1, 1),     // 360 rows: two depth blocks
		sameConv(2, 1, 16, 16, 32, 5, 3, 2, 2, 1, 1, 1, 1),   // one input channel
		sameConv(2, 6, 4, 33, 12, 1, 3, 0, 0, 1, 1, 1, 3),    // 1×3, rows longer than a panel
		sameConv(2, 3, 12, 12, 17, 4, 4, 2, 1, 1, 1, 1, 1),   // even kernel, uneven padding
		sameConv(4, 5, 2, 64, 8, 3, 3, 1, 1, 1, 1, 1, 1),     // rows of exactly two panels
		sameConv(1, 2, 10, 10, 4, 3, 3, 30, 30, 25, 1, 1, 1), // taps wholly in the padding
		sameConv(3, 3, 20, 21, 5, 3, 3, 1, 1, 1, 1, 1, 1),    // 420 pixels: two pixel blocks
		sameConv(2, 16, 7, 11, 9, 1, 1, 0, 0, 0, 1, 1, 1),    // 1×1
		sameConv(3, 20, 7, 7, 24, 3, 3, 1, 1, 1, 1, 1, 1),    // 49 pixels: a panel and a half
		sameConv(2, 300, 3, 30, 3, 1, 1, 0, 0, 0, 1, 1, 1),   // 1×1, bias in the second depth block
	}
	rng := rand.New(rand.NewPCG(3, 4))
	type packer struct {
		name string
		kn   *gemmKernel
		pack implicitPack
	}
	var packers []packer
	for _, kn := range availableKernels() {
		packers = append(packers, packer{kn.name + "/go", kn, packImplicitGo})
	}
	if implicitFast != nil {
		packers = append(packers, packer{implicitKernel.name + "/fast", implicitKernel, implicitFast})
	}
	for gi, p := range geoms {
		x := randFloats(rng, p.N*p.C*p.H*p.W)
		w := randFloats(rng, p.O*p.C/p.G*p.KH*p.KW)
		b := randFloats(rng, p.O)
		for _, bias := range [][]float32{nil, b} {
			want := convRef(&p, x, w, bias)
			for _, pk := range packers {
				y := make([]float32, len(want))
				for i := range y {
					y[i] = float32(math.NaN()) // written, never read
				}
				p.forwardImplicit(pk.kn, pk.pack, x, w, bias, y)
				for i, v := range want {
					if d := math.Abs(float64(y[i] - v)); !(d <= 1e-4*(1+math.Abs(float64(v)))) {
						t.Fatalf("geometry %d %+v, %s, bias %v: element %d = %v, want %v", gi, p, pk.name, bias != nil, i, y[i], v)
					}
				}
			}
		}
		g := randFloats(rng, p.N*p.O*p.OH*p.OW)
		want := weightGradRef(&p, x, g)
		for _, pk := range packers {
			gw := make([]float32, len(want))
			for i := range gw {
				gw[i] = float32(math.NaN()) // written, never read
			}
			p.weightGradImplicit(pk.kn, pk.pack, x, g, gw)
			for i, v := range want {
				if d := math.Abs(float64(gw[i] - v)); !(d <= 1e-4*(1+math.Abs(float64(v)))) {
					t.Fatalf("geometry %d %+v, %s: weight gradient element %d = %v, want %v", gi, p, pk.name, i, gw[i], v)
				}
			}
		}
	}
}

// weightGradRef is the weight gradient by its definition: the sum over
// samples and output pixels of g times the input each tap saw.
func weightGradRef(p *Conv, x, g []float32) []float32 {
	gw := make([]float64, p.O*p.C/p.G*p.KH*p.KW)
	eachTap(p, func(xi, wi, yi int) { gw[wi] += float64(g[yi]) * float64(x[xi]) })
	return toFloat32(gw, nil, 1)
}

// adjointRef is the adjoint of the convolution by its definition: every
// output gradient value flows back to the input pixel each tap read, plus
// b per input channel when b is not nil.
func adjointRef(p *Conv, g, w, b []float32) []float32 {
	x := make([]float64, p.N*p.C*p.H*p.W)
	eachTap(p, func(xi, wi, yi int) { x[xi] += float64(g[yi]) * float64(w[wi]) })
	return toFloat32(x, b, p.H*p.W)
}

// Every path of Forward, Adjoint and WeightGrad (implicit, flipped, im2col
// with batched GEMMs, 1×1, strided, one sample) computes its definition,
// and writes its whole destination without reading it (the tensor package
// hands them recycled buffers): a destination full of NaN must give what a
// zeroed one gives.
func TestConvPathsMatchDefinitionsAndOverwrite(t *testing.T) {
	geoms := []Conv{
		sameConv(4, 8, 16, 16, 8, 3, 3, 1, 1, 1, 1, 1, 1),                                                                        // implicit
		sameConv(4, 16, 16, 16, 4, 3, 3, 1, 1, 1, 1, 1, 1),                                                                       // fewer out than in: flipped
		sameConv(4, 6, 5, 5, 6, 3, 3, 1, 1, 1, 1, 1, 2),                                                                          // small planes: im2col, batched GEMMs
		sameConv(4, 6, 16, 16, 12, 1, 1, 0, 0, 0, 1, 1, 1),                                                                       // 1×1
		sameConv(1, 6, 16, 16, 12, 3, 3, 1, 1, 1, 1, 1, 1),                                                                       // one sample
		{N: 3, C: 4, H: 9, W: 9, O: 6, KH: 3, KW: 3, OH: 5, OW: 5, SH: 2, SW: 2, PT: 1, PB: 1, PL: 1, PR: 1, DH: 1, DW: 1, G: 2}, // strided
		{N: 3, C: 8, H: 9, W: 9, O: 2, KH: 3, KW: 3, OH: 4, OW: 4, SH: 2, SW: 2, PT: 0, PB: 0, PL: 0, PR: 0, DH: 1, DW: 1, G: 1}, // strided, narrow
	}
	rng := rand.New(rand.NewPCG(5, 6))
	nan := float32(math.NaN())
	for gi, p := range geoms {
		x := randFloats(rng, p.N*p.C*p.H*p.W)
		w := randFloats(rng, p.O*p.C/p.G*p.KH*p.KW)
		g := randFloats(rng, p.N*p.O*p.OH*p.OW)
		for _, bias := range []bool{false, true} {
			var bo, bi []float32
			if bias {
				bo, bi = randFloats(rng, p.O), randFloats(rng, p.C)
			}
			ops := map[string]struct {
				ref []float32
				run func(dst []float32)
			}{
				"forward": {convRef(&p, x, w, bo), func(dst []float32) { p.Forward(x, w, bo, dst) }},
				"adjoint": {adjointRef(&p, g, w, bi), func(dst []float32) { p.Adjoint(g, w, bi, dst) }},
				"weight":  {weightGradRef(&p, x, g), func(dst []float32) { p.WeightGrad(x, g, dst) }},
			}
			for name, op := range ops {
				if name == "weight" && bias {
					continue
				}
				want, got := make([]float32, len(op.ref)), make([]float32, len(op.ref))
				for i := range got {
					got[i] = nan
				}
				op.run(want)
				op.run(got)
				for i, v := range want {
					if got[i] != v {
						t.Fatalf("geometry %d %+v, %s, bias %v: element %d = %v into NaN, %v into zeros", gi, p, name, bias, i, got[i], v)
					}
					if r := op.ref[i]; !(math.Abs(float64(v-r)) <= 1e-4*(1+math.Abs(float64(r)))) {
						t.Fatalf("geometry %d %+v, %s, bias %v: element %d = %v, by definition %v", gi, p, name, bias, i, v, r)
					}
				}
			}
		}
	}
}
