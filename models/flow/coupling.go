package flow

import (
	"fmt"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// Conditioner is the network inside a coupling layer: it maps the
// unchanged part of the input to the parameters of the transform of the
// other part. It need not be invertible.
type Conditioner interface {
	Forward(x *tensor.Tensor) *tensor.Tensor
}

// ConvNet is the convolutional conditioner of image couplings: a 3×3
// convolution, 1×1 convolutions, and a zero-initialised 3×3 convolution,
// with ReLUs between (Glow's coupling network, with RealNVP's widths as
// the hidden sizes). The zero output layer makes each coupling start as
// the identity, which keeps deep flows stable at the start of training.
type ConvNet struct {
	Layers []*nn.Conv2d
}

// NewConvNet returns a conditioner from in to out channels through the
// given hidden widths; with none it is the zero-initialised 3×3
// convolution alone (Glow's split prior).
func NewConvNet(rngs *nn.Rngs, in, out int, hidden []int) *ConvNet {
	net := &ConvNet{}
	prev := in
	for i, h := range hidden {
		k, p := 1, 0
		if i == 0 {
			k, p = 3, 1
		}
		net.Layers = append(net.Layers, nn.NewConv2d(rngs, prev, h, k, 1, p))
		prev = h
	}
	last := nn.NewConv2d(rngs, prev, out, 3, 1, 1)
	zero(last.Weight, last.Bias)
	net.Layers = append(net.Layers, last)
	return net
}

// Forward applies the network to x [N, in, H, W].
func (c *ConvNet) Forward(x *tensor.Tensor) *tensor.Tensor {
	for i, l := range c.Layers {
		x = l.Forward(x)
		if i < len(c.Layers)-1 {
			x = tensor.ReLU(x)
		}
	}
	return x
}

// MLPNet is the dense conditioner of couplings on vectors: Linear layers
// with ReLUs between and a zero-initialised output layer.
type MLPNet struct {
	Layers []*nn.Linear
}

// NewMLPNet returns a conditioner from in to out features through the
// given hidden widths.
func NewMLPNet(rngs *nn.Rngs, in, out int, hidden []int) *MLPNet {
	net := &MLPNet{}
	prev := in
	for _, h := range hidden {
		net.Layers = append(net.Layers, nn.NewLinear(rngs, prev, h))
		prev = h
	}
	last := nn.NewLinear(rngs, prev, out)
	zero(last.Weight, last.Bias)
	net.Layers = append(net.Layers, last)
	return net
}

// Forward applies the network to x [N, in].
func (m *MLPNet) Forward(x *tensor.Tensor) *tensor.Tensor {
	for i, l := range m.Layers {
		x = l.Forward(x)
		if i < len(m.Layers)-1 {
			x = tensor.ReLU(x)
		}
	}
	return x
}

func zero(ts ...*tensor.Tensor) {
	for _, t := range ts {
		clear(t.Data())
	}
}

// MaskKind says which part of the input a coupling layer leaves unchanged.
type MaskKind int

const (
	// Checkerboard leaves the pixels with (i+j) even unchanged (odd when
	// the layer is flipped): RealNVP's spatial mask, for [N, C, H, W].
	Checkerboard MaskKind = iota
	// ChannelMask leaves the first half of the channels (or features)
	// unchanged (the second half when flipped); for [N, C, H, W] or [N, D].
	ChannelMask
	// Alternating leaves the even features of [N, D] input unchanged (the
	// odd ones when flipped): the vector version of the checkerboard.
	Alternating
)

// AffineCoupling is RealNVP's affine coupling layer: with x_a the part the
// mask keeps and x_b the rest, z_a = x_a and z_b = x_b·exp(s) + t where
// (s, t) = Net(x_a), so log|det| = Σ s. The log-scale is bounded as
// s = Scale·tanh(raw), with a learned per-channel Scale, as in RealNVP.
type AffineCoupling struct {
	Net   Conditioner
	Scale *tensor.Tensor // [channels transformed] (or [C] under a spatial mask)
	Kind  MaskKind       `nn:"-"`
	Flip  bool           `nn:"-"`
	mask  *tensor.Tensor // 1 where kept, for Checkerboard and Alternating
}

// NewAffineCoupling returns a coupling over inputs of shape [N, shape...]
// (shape is [C, H, W] for images or [D] for vectors). hidden gives the
// conditioner's widths: a ConvNet for images, an MLPNet for vectors. It
// returns an error when the mask does not fit the shape.
func NewAffineCoupling(rngs *nn.Rngs, shape []int, kind MaskKind, flip bool, hidden []int) (*AffineCoupling, error) {
	c := &AffineCoupling{Kind: kind, Flip: flip}
	switch {
	case len(shape) == 3 && kind == Checkerboard:
		c.mask = checkerboard(shape[1], shape[2], flip)
		c.Net = NewConvNet(rngs, shape[0], 2*shape[0], hidden)
		c.Scale = tensor.Ones(shape[0]).SetRequiresGrad(true)
	case len(shape) == 3 && kind == ChannelMask:
		if shape[0] < 2 {
			return nil, fmt.Errorf("flow: channel coupling needs at least 2 channels, got shape %v", shape)
		}
		keep, rest := c.split(shape[0])
		c.Net = NewConvNet(rngs, keep, 2*rest, hidden)
		c.Scale = tensor.Ones(rest).SetRequiresGrad(true)
	case len(shape) == 1 && (kind == ChannelMask || kind == Alternating):
		if shape[0] < 2 {
			return nil, fmt.Errorf("flow: coupling needs at least 2 features, got shape %v", shape)
		}
		if kind == Alternating {
			c.mask = alternating(shape[0], flip)
			c.Net = NewMLPNet(rngs, shape[0], 2*shape[0], hidden)
			c.Scale = tensor.Ones(shape[0]).SetRequiresGrad(true)
		} else {
			keep, rest := c.split(shape[0])
			c.Net = NewMLPNet(rngs, keep, 2*rest, hidden)
			c.Scale = tensor.Ones(rest).SetRequiresGrad(true)
		}
	default:
		return nil, fmt.Errorf("flow: no %s coupling for inputs of shape %v", kind, shape)
	}
	return c, nil
}

// String names the mask kind.
func (k MaskKind) String() string {
	switch k {
	case Checkerboard:
		return "checkerboard"
	case ChannelMask:
		return "channel"
	case Alternating:
		return "alternating"
	}
	return fmt.Sprintf("MaskKind(%d)", int(k))
}

// split returns how many channels are kept and how many transformed.
func (c *AffineCoupling) split(n int) (keep, rest int) {
	if c.Flip {
		return n - n/2, n / 2
	}
	return n / 2, n - n/2
}

// halves splits x along axis 1 into the kept and the transformed part;
// flipped, the second half is kept.
func (c *AffineCoupling) halves(x *tensor.Tensor) (kept, rest *tensor.Tensor) {
	a, b := c.split(x.Dim(1))
	if c.Flip {
		p := tensor.Split(x, 1, b, a)
		return p[1], p[0]
	}
	p := tensor.Split(x, 1, a, b)
	return p[0], p[1]
}

// join undoes halves.
func (c *AffineCoupling) join(kept, rest *tensor.Tensor) *tensor.Tensor {
	if c.Flip {
		return tensor.Concat(1, rest, kept)
	}
	return tensor.Concat(1, kept, rest)
}

func checkerboard(h, w int, flip bool) *tensor.Tensor {
	m := tensor.Zeros(1, 1, h, w)
	d := m.Data()
	for i := 0; i < h; i++ {
		for j := 0; j < w; j++ {
			if ((i+j)%2 == 0) != flip {
				d[i*w+j] = 1
			}
		}
	}
	return m
}

func alternating(n int, flip bool) *tensor.Tensor {
	m := tensor.Zeros(1, n)
	for i := range n {
		if (i%2 == 0) != flip {
			m.Data()[i] = 1
		}
	}
	return m
}

// params runs the conditioner on the kept part and returns the bounded
// log-scale s and the shift t, each with the shape of the transformed part.
func (c *AffineCoupling) params(kept *tensor.Tensor) (s, t *tensor.Tensor) {
	h := c.Net.Forward(kept)
	parts := tensor.Chunk(h, 2, 1)
	view, _ := channelView(parts[0])
	s = tensor.Mul(tensor.Tanh(parts[0]), tensor.Reshape(c.Scale, view...))
	return s, parts[1]
}

// Forward computes z and Σ s.
func (c *AffineCoupling) Forward(x *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	if c.mask != nil {
		inv := tensor.AddScalar(tensor.Neg(c.mask), 1)
		s, t := c.params(tensor.Mul(x, c.mask))
		s, t = tensor.Mul(s, inv), tensor.Mul(t, inv)
		return tensor.Add(tensor.Mul(x, tensor.Exp(s)), t), sumPerSample(s)
	}
	kept, rest := c.halves(x)
	s, t := c.params(kept)
	return c.join(kept, tensor.Add(tensor.Mul(rest, tensor.Exp(s)), t)), sumPerSample(s)
}

// Inverse computes x = (z - t)·exp(-s) on the transformed part.
func (c *AffineCoupling) Inverse(z *tensor.Tensor) *tensor.Tensor {
	if c.mask != nil {
		inv := tensor.AddScalar(tensor.Neg(c.mask), 1)
		s, t := c.params(tensor.Mul(z, c.mask))
		s, t = tensor.Mul(s, inv), tensor.Mul(t, inv)
		return tensor.Mul(tensor.Sub(z, t), tensor.Exp(tensor.Neg(s)))
	}
	kept, rest := c.halves(z)
	s, t := c.params(kept)
	return c.join(kept, tensor.Mul(tensor.Sub(rest, t), tensor.Exp(tensor.Neg(s))))
}
