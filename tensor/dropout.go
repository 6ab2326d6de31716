package tensor

import "fmt"

// Dropout zeroes each element of x with probability rate, drawing from s
// (the draws of s.BernoulliP(1-rate, x's shape...)), and scales the
// survivors by 1/(1-rate). The backward pass keeps the mask as one bit per
// element, not as a tensor of x's size.
func Dropout(x *Tensor, rate float32, s *Stream) *Tensor {
	if rate < 0 || rate >= 1 {
		panic(fmt.Sprintf("Dropout: rate %g outside [0, 1)", rate))
	}
	keep := s.BernoulliP(1-rate, x.shape...)
	scale := 1 / (1 - rate)
	bits := make([]uint64, (len(keep.data)+63)/64)
	out := empty(x.shape)
	for i, m := range keep.data {
		if m != 0 {
			bits[i/64] |= 1 << (i % 64)
		}
		out.data[i] = x.data[i] * (m * scale)
	}
	discard(keep) // the bits hold the mask now
	return record(out, "Dropout", func(g *Tensor) []*Tensor {
		m := empty(g.shape)
		for i := range m.data {
			if bits[i/64]&(1<<(i%64)) != 0 {
				m.data[i] = scale
			}
		}
		return []*Tensor{Mul(g, m)}
	}, x)
}
