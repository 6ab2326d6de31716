package nn

import (
	"fmt"
	"sort"

	"github.com/artifex-go/artifex/tensor"
)

// ActivationFunc maps a tensor to a tensor elementwise (GLU halves the last
// axis).
type ActivationFunc func(x *tensor.Tensor) *tensor.Tensor

var activations = map[string]ActivationFunc{
	"relu":       tensor.ReLU,
	"gelu":       tensor.GELU,
	"silu":       tensor.SiLU,
	"swish":      tensor.SiLU,
	"tanh":       tensor.Tanh,
	"sigmoid":    tensor.Sigmoid,
	"elu":        func(x *tensor.Tensor) *tensor.Tensor { return tensor.ELU(x, 1) },
	"leaky_relu": func(x *tensor.Tensor) *tensor.Tensor { return tensor.LeakyReLU(x, 0.01) },
	"softplus":   tensor.Softplus,
	"softsign":   tensor.Softsign,
	"relu6":      tensor.ReLU6,
	"hard_tanh":  tensor.HardTanh,
	"celu":       func(x *tensor.Tensor) *tensor.Tensor { return tensor.CELU(x, 1) },
	"selu":       tensor.SELU,
	"glu": func(x *tensor.Tensor) *tensor.Tensor {
		if x.Dim(-1)%2 != 0 {
			panic(fmt.Sprintf("glu: last axis of shape %v must be even", x.Shape()))
		}
		h := tensor.Chunk(x, 2, -1)
		return tensor.Mul(h[0], tensor.Sigmoid(h[1]))
	},
}

// gated names the activations that halve the last axis (a·σ(b) over its two
// halves), so the layer before them must be twice as wide.
var gated = map[string]bool{"glu": true}

// ActivationNames lists the activation names configurations may use.
func ActivationNames() []string {
	names := make([]string, 0, len(activations))
	for n := range activations {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Activation returns the activation function called name.
func Activation(name string) (ActivationFunc, error) {
	if f, ok := activations[name]; ok {
		return f, nil
	}
	return nil, fmt.Errorf("nn: unknown activation %q (known: %v)", name, ActivationNames())
}

// MLP is a stack of Linear layers with an activation between them (none
// after the last layer).
type MLP struct {
	Layers     []*Linear
	activation ActivationFunc
}

// NewMLP returns an MLP through the given layer sizes (input first), e.g.
// [784, 512, 256, 10], with the named activation between layers. With a
// gated activation (glu) each hidden Linear layer is twice as wide as its
// size, so that the activation's output has that size.
func NewMLP(rngs *Rngs, sizes []int, activation string) (*MLP, error) {
	if len(sizes) < 2 {
		return nil, fmt.Errorf("nn: MLP needs at least input and output sizes, got %v", sizes)
	}
	for i, s := range sizes {
		if s <= 0 {
			return nil, fmt.Errorf("nn: MLP size %d must be > 0, got %d", i, s)
		}
	}
	act, err := Activation(activation)
	if err != nil {
		return nil, err
	}
	m := &MLP{activation: act}
	for i := 0; i+1 < len(sizes); i++ {
		out := sizes[i+1]
		if gated[activation] && i+2 < len(sizes) {
			out *= 2
		}
		m.Layers = append(m.Layers, NewLinear(rngs, sizes[i], out))
	}
	return m, nil
}

// Forward applies the layers to x [..., sizes[0]].
func (m *MLP) Forward(x *tensor.Tensor) *tensor.Tensor {
	for i, l := range m.Layers {
		x = l.Forward(x)
		if i+1 < len(m.Layers) {
			x = m.activation(x)
		}
	}
	return x
}
