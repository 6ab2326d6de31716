package vae

import (
	"fmt"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// The networks of every class are built from two pieces: a body that maps
// an input (plus an optional conditioning vector) to a flat feature vector,
// and a decoder that maps a flat code vector back to the data's shape. The
// heads that turn features into (mu, logvar) or into VQ codes live in the
// model, so one body serves all four classes.

// denseStack is a chain of Linear layers, each followed by the activation
// and dropout (MLP bodies; the hidden part of MLP decoders).
type denseStack struct {
	Layers []*nn.Linear
	Drop   []*nn.Dropout
	act    nn.ActivationFunc
}

func newDenseStack(rngs *nn.Rngs, sizes []int, act nn.ActivationFunc, dropout float32) *denseStack {
	s := &denseStack{act: act}
	for i := 0; i+1 < len(sizes); i++ {
		s.Layers = append(s.Layers, nn.NewLinear(rngs, sizes[i], sizes[i+1]))
		if dropout > 0 {
			s.Drop = append(s.Drop, nn.NewDropout(rngs, dropout))
		}
	}
	return s
}

func (s *denseStack) forward(h *tensor.Tensor) *tensor.Tensor {
	for i, l := range s.Layers {
		h = s.act(l.Forward(h))
		if s.Drop != nil {
			h = s.Drop[i].Forward(h)
		}
	}
	return h
}

// body maps a batch (data layout, see Options.InputShape) and an optional
// conditioning matrix [N, K] to features [N, features()].
type body interface {
	forward(x, cond *tensor.Tensor) *tensor.Tensor
	features() int
}

// mlpBody flattens the input, appends the conditioning vector and applies
// a dense stack.
type mlpBody struct {
	Stack *denseStack
	out   int
}

func newMLPBody(rngs *nn.Rngs, inSize, condDim int, hidden []int, act nn.ActivationFunc, dropout float32) *mlpBody {
	sizes := append([]int{inSize + condDim}, hidden...)
	return &mlpBody{Stack: newDenseStack(rngs, sizes, act, dropout), out: sizes[len(sizes)-1]}
}

func (b *mlpBody) forward(x, cond *tensor.Tensor) *tensor.Tensor {
	h := tensor.Reshape(x, x.Dim(0), -1)
	if cond != nil {
		h = tensor.Concat(1, h, cond)
	}
	return b.Stack.forward(h)
}

func (b *mlpBody) features() int { return b.out }

// The convolutions halve (encoder) or double (decoder) the spatial size:
// kernel 3, stride 2, padding 1 maps a side s to ⌈s/2⌉, and the transposed
// convolution with the same geometry maps it back to 2s-1 plus an output
// padding of 0 or 1 that restores the exact size the encoder saw.
const convKernel, convStride, convPad = 3, 2, 1

// cnnBody is a stack of strided convolutions over hidden channel counts on
// NCHW images. Conditioning is appended as constant extra input channels,
// one per class, so every position sees the label.
type cnnBody struct {
	Convs []*nn.Conv2d
	Drop  []*nn.Dropout
	act   nn.ActivationFunc
	out   int
}

// convSizes returns the spatial size of an h×w image before each strided
// convolution of a stack of n, then after the last.
func convSizes(h, w, n int) [][2]int {
	sizes := [][2]int{{h, w}}
	for range n {
		h, w = (h+2*convPad-convKernel)/convStride+1, (w+2*convPad-convKernel)/convStride+1
		sizes = append(sizes, [2]int{h, w})
	}
	return sizes
}

func newCNNBody(rngs *nn.Rngs, c, h, w, condDim int, hidden []int, act nn.ActivationFunc, dropout float32) *cnnBody {
	b := &cnnBody{act: act}
	in := c + condDim
	for _, ch := range hidden {
		b.Convs = append(b.Convs, nn.NewConv2d(rngs, in, ch, convKernel, convStride, convPad))
		if dropout > 0 {
			b.Drop = append(b.Drop, nn.NewDropout(rngs, dropout))
		}
		in = ch
	}
	last := convSizes(h, w, len(hidden))[len(hidden)]
	b.out = in * last[0] * last[1]
	return b
}

func (b *cnnBody) forward(x, cond *tensor.Tensor) *tensor.Tensor {
	h := x
	if cond != nil {
		n, k := cond.Dim(0), cond.Dim(1)
		planes := tensor.Expand(tensor.Reshape(cond, n, k, 1, 1), []int{n, k, x.Dim(2), x.Dim(3)})
		h = tensor.Concat(1, h, planes)
	}
	for i, c := range b.Convs {
		h = b.act(c.Forward(h))
		if b.Drop != nil {
			h = b.Drop[i].Forward(h)
		}
	}
	return tensor.Reshape(h, h.Dim(0), -1)
}

func (b *cnnBody) features() int { return b.out }

// decoder maps codes [N, in] to the decoder's output in data layout: the
// parameters of the likelihood (logits or means), not yet squashed.
type decoder interface {
	forward(z *tensor.Tensor) *tensor.Tensor
}

// mlpDecoder mirrors the MLP body: hidden sizes reversed, then a linear
// output layer of the data's size.
type mlpDecoder struct {
	Stack *denseStack
	Out   *nn.Linear
	shape []int // data layout of one example
}

func newMLPDecoder(rngs *nn.Rngs, in int, hidden []int, shape []int, act nn.ActivationFunc, dropout float32) *mlpDecoder {
	sizes := []int{in}
	for i := len(hidden) - 1; i >= 0; i-- {
		sizes = append(sizes, hidden[i])
	}
	return &mlpDecoder{
		Stack: newDenseStack(rngs, sizes, act, dropout),
		Out:   nn.NewLinear(rngs, sizes[len(sizes)-1], prod(shape)),
		shape: shape,
	}
}

func (d *mlpDecoder) forward(z *tensor.Tensor) *tensor.Tensor {
	y := d.Out.Forward(d.Stack.forward(z))
	return tensor.Reshape(y, append([]int{z.Dim(0)}, d.shape...)...)
}

// cnnDecoder mirrors the CNN body: a linear layer to the body's last
// feature map, then one transposed convolution per body convolution, back
// to the input's channels and exact spatial size.
type cnnDecoder struct {
	Proj  *nn.Linear
	Convs []*nn.ConvTranspose2d
	Drop  []*nn.Dropout
	act   nn.ActivationFunc
	start []int // [C, h, w] of the first feature map
}

func newCNNDecoder(rngs *nn.Rngs, in, c, h, w int, hidden []int, act nn.ActivationFunc, dropout float32) (*cnnDecoder, error) {
	n := len(hidden)
	sizes := convSizes(h, w, n)
	d := &cnnDecoder{act: act, start: []int{hidden[n-1], sizes[n][0], sizes[n][1]}}
	d.Proj = nn.NewLinear(rngs, in, prod(d.start))
	for i := n - 1; i >= 0; i-- {
		from, to := sizes[i+1], sizes[i]
		outC := c
		if i > 0 {
			outC = hidden[i-1]
		}
		var pad [2]int
		for a := range 2 {
			pad[a] = to[a] - ((from[a]-1)*convStride - 2*convPad + convKernel)
			if pad[a] < 0 || pad[a] >= convStride {
				return nil, fmt.Errorf("cnn decoder cannot restore size %v from %v", to, from)
			}
		}
		d.Convs = append(d.Convs, nn.NewConvTranspose2dWith(rngs, hidden[i], outC, [2]int{convKernel, convKernel},
			tensor.ConvTranspose2dOptions{Stride: [2]int{convStride, convStride}, Padding: [2]int{convPad, convPad}, OutputPadding: pad}))
		if dropout > 0 && i > 0 {
			d.Drop = append(d.Drop, nn.NewDropout(rngs, dropout))
		}
	}
	return d, nil
}

func (d *cnnDecoder) forward(z *tensor.Tensor) *tensor.Tensor {
	h := d.act(d.Proj.Forward(z))
	h = tensor.Reshape(h, append([]int{z.Dim(0)}, d.start...)...)
	for i, c := range d.Convs {
		h = c.Forward(h)
		if i+1 < len(d.Convs) {
			h = d.act(h)
			if d.Drop != nil {
				h = d.Drop[i].Forward(h)
			}
		}
	}
	return h
}

func prod(s []int) int {
	p := 1
	for _, v := range s {
		p *= v
	}
	return p
}
