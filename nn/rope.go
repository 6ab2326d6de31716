package nn

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/tensor"
)

// RoPEBase is the base of the rotary frequencies of RoFormer (Su et al.
// 2021): θ_i = RoPEBase^(-2i/D).
const RoPEBase = 10000

// RoPE is the rotary position embedding (Su et al. 2021, RoFormer):
// instead of adding a position vector to the input, attention rotates each
// query and key by its position, so that the score q_m·k_n of positions m
// and n depends on them only through m−n. Feature i < D/2 of a head of
// width D is paired with feature i+D/2 (the "rotate half" layout of
// GPT-NeoX and LLaMA) and the pair at position p is rotated by the angle
// p·θ_i, θ_i = Base^(-2i/D):
//
//	y_i     = x_i·cos(pθ_i) − x_{i+D/2}·sin(pθ_i)
//	y_{i+D/2} = x_{i+D/2}·cos(pθ_i) + x_i·sin(pθ_i)
//
// It has no parameters; the cos and sin tables cover positions below
// MaxLen.
type RoPE struct {
	Dim, MaxLen int
	Base        float64

	cos, sin *tensor.Tensor // [MaxLen, Dim/2]
}

// NewRoPE returns the rotary embedding of heads of width dim (even) for
// positions below maxLen, with frequencies from base (RoPEBase in the
// paper).
func NewRoPE(dim, maxLen int, base float64) *RoPE {
	if dim < 2 || dim%2 != 0 || maxLen < 1 || !(base > 1) {
		panic(fmt.Sprintf("RoPE: head width must be even and >= 2, positions >= 1 and base > 1; got width %d, %d positions, base %g", dim, maxLen, base))
	}
	half := dim / 2
	c, s := make([]float32, maxLen*half), make([]float32, maxLen*half)
	for p := range maxLen {
		for i := range half {
			a := float64(p) * math.Pow(base, -2*float64(i)/float64(dim))
			c[p*half+i], s[p*half+i] = float32(math.Cos(a)), float32(math.Sin(a))
		}
	}
	return &RoPE{Dim: dim, MaxLen: maxLen, Base: base,
		cos: tensor.FromSlice(c, maxLen, half), sin: tensor.FromSlice(s, maxLen, half)}
}

// Rotate rotates x [..., L, Dim] (e.g. a head-split query [B, H, L, D])
// whose rows are the positions start, start+1, …, start+L−1.
func (r *RoPE) Rotate(x *tensor.Tensor, start int) *tensor.Tensor {
	nd := x.NDim()
	if nd < 2 || x.Dim(nd-1) != r.Dim {
		panic(fmt.Sprintf("RoPE: input %v must be [..., L, %d]", x.Shape(), r.Dim))
	}
	l := x.Dim(nd - 2)
	if start < 0 || start+l > r.MaxLen {
		panic(fmt.Sprintf("RoPE: positions %d..%d outside the %d the tables cover", start, start+l-1, r.MaxLen))
	}
	half := r.Dim / 2
	c, s := tensor.Narrow(r.cos, 0, start, l), tensor.Narrow(r.sin, 0, start, l)
	x1, x2 := tensor.Narrow(x, nd-1, 0, half), tensor.Narrow(x, nd-1, half, half)
	return tensor.Concat(nd-1,
		tensor.Sub(tensor.Mul(x1, c), tensor.Mul(x2, s)),
		tensor.Add(tensor.Mul(x2, c), tensor.Mul(x1, s)))
}
