package tensor

import (
	"fmt"

	"github.com/artifex-go/artifex/internal/kernels"
)

// Dropout zeroes each element of x with probability rate, drawing from s
// (the draws of s.BernoulliP(1-rate, x's shape...)), and scales the
// survivors by 1/(1-rate). The mask is drawn as one bit per element and
// kept so for the backward pass; both passes multiply by scale or 0 in
// one pass over both cores.
func Dropout(x *Tensor, rate float32, s *Stream) *Tensor {
	if rate < 0 || rate >= 1 {
		panic(fmt.Sprintf("Dropout: rate %g outside [0, 1)", rate))
	}
	bits := s.bernoulliBits(1-rate, x.shape)
	scale := 1 / (1 - rate)
	out := uninit(x.shape)
	applyMask(out.data, x.data, bits, scale)
	return record(out, "Dropout", func(g *Tensor) []*Tensor {
		if GradEnabled() { // a recorded backward pass: a differentiable product
			m := empty(g.shape)
			for i := range m.data {
				if bits[i/64]&(1<<(i%64)) != 0 {
					m.data[i] = scale
				}
			}
			return []*Tensor{Mul(g, m)}
		}
		gx := uninit(g.shape)
		applyMask(gx.data, g.data, bits, scale)
		return []*Tensor{gx}
	}, x)
}

// applyMask writes src[i]·scale where bit i of bits is set and src[i]·0
// elsewhere (kernels.MaskScale), over both cores in runs of 64 values.
func applyMask(dst, src []float32, bits []uint64, scale float32) {
	kernels.Parallel(len(bits), max(1, parallelGrain/64), func(lo, hi int) {
		end := min(hi*64, len(dst))
		kernels.MaskScale(dst[lo*64:end], src[lo*64:end], bits[lo:hi], scale)
	})
}
