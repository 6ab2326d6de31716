package nn

import (
	"fmt"

	"github.com/artifex-go/artifex/tensor"
)

// Linear is y = x·W + b with W stored [in, out] (Flax's "kernel" layout,
// which makes the forward product a plain GEMM) and b [out]. Inputs may have
// any number of leading axes.
type Linear struct {
	Weight *tensor.Tensor
	Bias   *tensor.Tensor // nil for a layer without bias
}

// NewLinear returns a Linear layer with PyTorch's default initialisation
// U(-1/√in, 1/√in) for weight and bias.
func NewLinear(rngs *Rngs, in, out int) *Linear {
	s := rngs.Params()
	return &Linear{Weight: torchDefault(s, in, in, out), Bias: torchDefault(s, in, out)}
}

// NewLinearInit returns a Linear layer whose weight comes from init and
// whose bias is zero (or absent when bias is false).
func NewLinearInit(rngs *Rngs, in, out int, init Initializer, bias bool) *Linear {
	l := &Linear{Weight: param(init(rngs.Params(), []int{in, out}, in, out))}
	if bias {
		l.Bias = param(tensor.Zeros(out))
	}
	return l
}

// Forward applies the layer to x [..., in].
func (l *Linear) Forward(x *tensor.Tensor) *tensor.Tensor {
	return l.apply(x, func(x2 *tensor.Tensor) *tensor.Tensor { return tensor.Affine(x2, l.Weight, l.Bias) })
}

// ForwardAct applies the layer to act(x), keeping x rather than act(x)
// for the backward pass (tensor.AffineAct): a transformer's feed-forward
// output layer after its GELU.
func (l *Linear) ForwardAct(act func(*tensor.Tensor) *tensor.Tensor, x *tensor.Tensor) *tensor.Tensor {
	return l.apply(x, func(x2 *tensor.Tensor) *tensor.Tensor { return tensor.AffineAct(act, x2, l.Weight, l.Bias) })
}

// apply checks x [..., in] and applies product (the weight and bias) to it
// as a matrix [-1, in].
func (l *Linear) apply(x *tensor.Tensor, product func(x2 *tensor.Tensor) *tensor.Tensor) *tensor.Tensor {
	in := l.Weight.Dim(0)
	if x.NDim() == 0 || x.Dim(-1) != in {
		panic(fmt.Sprintf("Linear: input shape %v, want last axis %d", x.Shape(), in))
	}
	var y *tensor.Tensor
	if x.NDim() == 2 {
		y = product(x)
	} else {
		lead := append([]int(nil), x.Shape()[:x.NDim()-1]...)
		y = tensor.Reshape(product(tensor.Reshape(x, -1, in)), append(lead, l.Weight.Dim(1))...)
	}
	return y
}
