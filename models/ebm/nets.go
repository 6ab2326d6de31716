package ebm

import (
	"math"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// Network maps a batch [N, example shape...] to its energies [N].
type Network interface {
	Forward(x *tensor.Tensor) *tensor.Tensor
}

// mlpNet flattens the input, optionally maps it to random Fourier
// features, and applies dense layers with the activation between them and
// a linear scalar head.
type mlpNet struct {
	// Fourier [D, F], when not nil, holds fixed frequencies (cycles per
	// data unit): the first layer sees [sin 2πxB, cos 2πxB] instead of x
	// (Tancik et al. 2020). It is state, not a parameter: drawn once at
	// construction and saved with the model.
	Fourier *tensor.Tensor
	Layers  []*nn.Linear
	Head    *nn.Linear
	act     nn.ActivationFunc
}

// newMLPNet builds the MLP; features > 0 puts that many random Fourier
// features, with frequencies drawn from N(0, scale²), before it.
func newMLPNet(rngs *nn.Rngs, in int, hidden []int, act nn.ActivationFunc, features int, scale float64) *mlpNet {
	n := &mlpNet{act: act}
	if features > 0 {
		n.Fourier = rngs.Stream("fourier").NormalScaled(0, float32(scale), in, features)
		in = 2 * features
	}
	for _, h := range hidden {
		n.Layers = append(n.Layers, nn.NewLinear(rngs, in, h))
		in = h
	}
	n.Head = nn.NewLinear(rngs, in, 1)
	return n
}

func (n *mlpNet) Forward(x *tensor.Tensor) *tensor.Tensor {
	h := tensor.Reshape(x, x.Dim(0), -1)
	if n.Fourier != nil {
		z := tensor.Scale(tensor.MatMul(h, n.Fourier), 2*math.Pi)
		h = tensor.Concat(1, tensor.Sin(z), tensor.Cos(z))
	}
	for _, l := range n.Layers {
		h = n.act(l.Forward(h))
	}
	return tensor.Reshape(n.Head.Forward(h), -1)
}

// cnnNet is a stack of 3×3 stride-2 convolutions (one per hidden channel
// count, each halving the image) and a linear scalar head on the flattened
// last feature map.
type cnnNet struct {
	Convs []*nn.Conv2d
	Head  *nn.Linear
	act   nn.ActivationFunc
}

func newCNNNet(rngs *nn.Rngs, c, h, w int, hidden []int, act nn.ActivationFunc) *cnnNet {
	n := &cnnNet{act: act}
	for _, ch := range hidden {
		n.Convs = append(n.Convs, nn.NewConv2d(rngs, c, ch, 3, 2, 1))
		c, h, w = ch, (h-1)/2+1, (w-1)/2+1
	}
	n.Head = nn.NewLinear(rngs, c*h*w, 1)
	return n
}

func (n *cnnNet) Forward(x *tensor.Tensor) *tensor.Tensor {
	h := x
	for _, c := range n.Convs {
		h = n.act(c.Forward(h))
	}
	return tensor.Reshape(n.Head.Forward(tensor.Reshape(h, h.Dim(0), -1)), -1)
}

// deepNet is DeepEBM's residual network, in the spirit of Du & Mordatch
// (2019) without spectral normalisation: a 3×3 stem, then per hidden
// channel count a pre-activation residual block (act, conv 3×3, act,
// conv 3×3, plus the input through a 1×1 projection when the channel
// count changes) followed by 2×2 average pooling between stages, and a
// head on the spatially averaged features. The smooth activations
// (swish) and the average pooling keep the input gradient that Langevin
// dynamics follow smooth; the second convolution of each block starts at
// zero, so every block starts as the identity and the initial energy
// surface is that of a shallow network.
type deepNet struct {
	Stem   *nn.Conv2d
	Blocks []*resBlock
	Head   *nn.Linear
	act    nn.ActivationFunc
}

type resBlock struct {
	Conv1, Conv2 *nn.Conv2d
	Skip         *nn.Conv2d // nil when the channel count is unchanged
}

func newDeepNet(rngs *nn.Rngs, c int, hidden []int, act nn.ActivationFunc) *deepNet {
	n := &deepNet{act: act, Stem: nn.NewConv2d(rngs, c, hidden[0], 3, 1, 1)}
	in := hidden[0]
	for _, ch := range hidden {
		b := &resBlock{Conv1: nn.NewConv2d(rngs, in, ch, 3, 1, 1), Conv2: nn.NewConv2d(rngs, ch, ch, 3, 1, 1)}
		zero(b.Conv2.Weight)
		zero(b.Conv2.Bias)
		if ch != in {
			b.Skip = nn.NewConv2d(rngs, in, ch, 1, 1, 0)
		}
		n.Blocks = append(n.Blocks, b)
		in = ch
	}
	n.Head = nn.NewLinear(rngs, in, 1)
	return n
}

func zero(t *tensor.Tensor) { clear(t.Data()) }

func (n *deepNet) Forward(x *tensor.Tensor) *tensor.Tensor {
	h := n.Stem.Forward(x)
	for i, b := range n.Blocks {
		r := b.Conv2.Forward(n.act(b.Conv1.Forward(n.act(h))))
		if b.Skip != nil {
			h = b.Skip.Forward(h)
		}
		h = tensor.Add(h, r)
		if i+1 < len(n.Blocks) && h.Dim(2) >= 2 && h.Dim(3) >= 2 {
			h = tensor.AvgPool2d(h, [2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0})
		}
	}
	h = tensor.MeanAxes(n.act(h), []int{2, 3}, false)
	return tensor.Reshape(n.Head.Forward(h), -1)
}
