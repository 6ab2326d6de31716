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
// elsewhere (−0 for negative values, NaN for NaN and ±Inf, as a product
// with a mask tensor gives).
func applyMask(dst, src []float32, bits []uint64, scale float32) {
	kernels.Parallel(len(bits), max(1, parallelGrain/64), func(lo, hi int) {
		for w := lo; w < hi; w++ {
			word := bits[w]
			d := dst[w*64 : min((w+1)*64, len(dst))]
			sv := src[w*64:][:len(d)]
			for j, v := range sv {
				m := float32(0)
				if word&(1<<j) != 0 {
					m = scale
				}
				d[j] = v * m
			}
		}
	})
}
