package nn

import (
	"fmt"

	"github.com/artifex-go/artifex/tensor"
)

// ForwardSiLU returns SiLU(g.Forward(x)) as one fused op
// (tensor.GroupNormSiLU), the pre-activation of the residual blocks of
// diffusion UNets.
func (g *GroupNorm) ForwardSiLU(x *tensor.Tensor) *tensor.Tensor {
	if c := g.Weight.Dim(0); x.NDim() < 2 || x.Dim(1) != c {
		panic(fmt.Sprintf("GroupNorm: input shape %v, want [N, %d, ...]", x.Shape(), c))
	}
	return tensor.GroupNormSiLU(x, g.Weight, g.Bias, g.Groups, g.Eps)
}
