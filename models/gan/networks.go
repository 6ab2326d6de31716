package gan

import (
	"strings"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// Network is one of a GAN's two bodies: a generator body maps [N, in] to
// images [N, C, H, W]; a discriminator body maps images to features
// [N, F].
type Network interface {
	Forward(x *tensor.Tensor) *tensor.Tensor
}

var outputActivations = map[string]nn.ActivationFunc{
	"tanh":    tensor.Tanh,
	"sigmoid": tensor.Sigmoid,
}

// ConvGenerator is the DCGAN generator (Radford et al. 2016): a linear
// projection of the input to a [C0, H/2^k, W/2^k] seed, then k 4×4
// stride-2 transposed convolutions, each doubling the size, the last one
// producing the image channels; batch norm and the activation follow every
// layer but the last, which takes the output activation.
type ConvGenerator struct {
	Project     *nn.Linear
	ProjectNorm *nn.BatchNorm // nil without batch norm
	Ups         []*nn.ConvTranspose2d
	Norms       []*nn.BatchNorm // one per Ups but the last; nil entries without batch norm
	seed        [3]int
	act, out    nn.ActivationFunc
}

func newConvGenerator(rngs *nn.Rngs, in int, o *Options, act nn.ActivationFunc) *ConvGenerator {
	k := len(o.GeneratorDims)
	g := &ConvGenerator{
		seed: [3]int{o.GeneratorDims[0], o.ImageShape[0] >> k, o.ImageShape[1] >> k},
		act:  act, out: outputActivations[o.OutputActivation],
	}
	g.Project = nn.NewLinear(rngs, in, g.seed[0]*g.seed[1]*g.seed[2])
	if o.UseBatchNorm {
		g.ProjectNorm = nn.NewBatchNorm(g.seed[0])
	}
	chans := append(append([]int(nil), o.GeneratorDims...), o.ImageShape[2])
	for i := 0; i < k; i++ {
		g.Ups = append(g.Ups, nn.NewConvTranspose2d(rngs, chans[i], chans[i+1], 4, 2, 1, 0))
		if i < k-1 {
			var bn *nn.BatchNorm
			if o.UseBatchNorm {
				bn = nn.NewBatchNorm(chans[i+1])
			}
			g.Norms = append(g.Norms, bn)
		}
	}
	return g
}

// Forward maps z [N, in] to images [N, C, H, W].
func (g *ConvGenerator) Forward(z *tensor.Tensor) *tensor.Tensor {
	h := tensor.Reshape(g.Project.Forward(z), z.Dim(0), g.seed[0], g.seed[1], g.seed[2])
	h = normAct(g.ProjectNorm, h, g.act)
	for i, up := range g.Ups {
		h = up.Forward(h)
		if i == len(g.Ups)-1 {
			return g.out(h)
		}
		h = normAct(g.Norms[i], h, g.act)
	}
	return h
}

// ConvDiscriminator is the DCGAN discriminator body: 4×4 stride-2
// convolutions with LeakyReLU and dropout, batch norm on every layer but
// the first; Forward returns the flattened last feature map.
type ConvDiscriminator struct {
	Convs []*nn.Conv2d
	Norms []*nn.BatchNorm // Norms[0] is always nil
	Drop  *nn.Dropout
	slope float32
}

func newConvDiscriminator(rngs *nn.Rngs, o *Options, batchNorm bool) (*ConvDiscriminator, int) {
	d := &ConvDiscriminator{Drop: nn.NewDropout(rngs, float32(o.DropoutRate)), slope: float32(o.LeakySlope)}
	h, w, in := o.ImageShape[0], o.ImageShape[1], o.ImageShape[2]
	for i, c := range o.DiscriminatorDims {
		d.Convs = append(d.Convs, nn.NewConv2d(rngs, in, c, 4, 2, 1))
		var bn *nn.BatchNorm
		if batchNorm && i > 0 {
			bn = nn.NewBatchNorm(c)
		}
		d.Norms = append(d.Norms, bn)
		in, h, w = c, convOut(h), convOut(w)
	}
	return d, in * h * w
}

// Forward maps images [N, C, H, W] to features [N, F].
func (d *ConvDiscriminator) Forward(x *tensor.Tensor) *tensor.Tensor {
	h := x
	for i, c := range d.Convs {
		h = d.Drop.Forward(normAct(d.Norms[i], c.Forward(h), leaky(d.slope)))
	}
	return tensor.Flatten(h)
}

// MLPGenerator is a fully connected generator: Linear layers through the
// hidden widths (batch norm and activation after each), then a Linear
// layer to C·H·W values with the output activation, reshaped to images.
type MLPGenerator struct {
	Layers   []*nn.Linear
	Norms    []*nn.BatchNorm // one per hidden layer; nil entries without batch norm
	shape    [3]int          // C, H, W
	act, out nn.ActivationFunc
}

func newMLPGenerator(rngs *nn.Rngs, in int, o *Options, act nn.ActivationFunc) *MLPGenerator {
	g := &MLPGenerator{shape: [3]int{o.ImageShape[2], o.ImageShape[0], o.ImageShape[1]}, act: act, out: outputActivations[o.OutputActivation]}
	for _, w := range o.GeneratorDims {
		g.Layers = append(g.Layers, nn.NewLinear(rngs, in, w))
		var bn *nn.BatchNorm
		if o.UseBatchNorm {
			bn = nn.NewBatchNorm(w)
		}
		g.Norms = append(g.Norms, bn)
		in = w
	}
	g.Layers = append(g.Layers, nn.NewLinear(rngs, in, g.shape[0]*g.shape[1]*g.shape[2]))
	return g
}

// Forward maps z [N, in] to images [N, C, H, W].
func (g *MLPGenerator) Forward(z *tensor.Tensor) *tensor.Tensor {
	h := z
	last := len(g.Layers) - 1
	for i, l := range g.Layers[:last] {
		h = normAct(g.Norms[i], l.Forward(h), g.act)
	}
	return tensor.Reshape(g.out(g.Layers[last].Forward(h)), z.Dim(0), g.shape[0], g.shape[1], g.shape[2])
}

// MLPDiscriminator is a fully connected discriminator body: the flattened
// image through Linear layers with LeakyReLU and dropout.
type MLPDiscriminator struct {
	Layers []*nn.Linear
	Norms  []*nn.BatchNorm // Norms[0] is always nil
	Drop   *nn.Dropout
	slope  float32
}

func newMLPDiscriminator(rngs *nn.Rngs, o *Options, batchNorm bool) (*MLPDiscriminator, int) {
	d := &MLPDiscriminator{Drop: nn.NewDropout(rngs, float32(o.DropoutRate)), slope: float32(o.LeakySlope)}
	in := o.ImageShape[0] * o.ImageShape[1] * o.ImageShape[2]
	for i, w := range o.DiscriminatorDims {
		d.Layers = append(d.Layers, nn.NewLinear(rngs, in, w))
		var bn *nn.BatchNorm
		if batchNorm && i > 0 {
			bn = nn.NewBatchNorm(w)
		}
		d.Norms = append(d.Norms, bn)
		in = w
	}
	return d, in
}

// Forward maps images [N, C, H, W] to features [N, F].
func (d *MLPDiscriminator) Forward(x *tensor.Tensor) *tensor.Tensor {
	h := tensor.Flatten(x)
	for i, l := range d.Layers {
		h = d.Drop.Forward(normAct(d.Norms[i], l.Forward(h), leaky(d.slope)))
	}
	return h
}

// normed applies bn when there is one.
func normed(bn *nn.BatchNorm, x *tensor.Tensor) *tensor.Tensor {
	if bn == nil {
		return x
	}
	return bn.Forward(x)
}

// normAct applies bn (when not nil), then act, releasing the normalised
// tensor once act has read it: batch norm keeps its input for the
// backward pass and a ReLU its result, so nothing else needs it (Release
// leaves it alone when act's backward does read it).
func normAct(bn *nn.BatchNorm, x *tensor.Tensor, act nn.ActivationFunc) *tensor.Tensor {
	n := normed(bn, x)
	y := act(n)
	if n != x {
		tensor.Release(n)
	}
	return y
}

// leaky is the discriminators' activation, a leaky ReLU of the given slope.
func leaky(slope float32) nn.ActivationFunc {
	return func(x *tensor.Tensor) *tensor.Tensor { return tensor.LeakyReLU(x, slope) }
}

// initDCGAN re-initialises the weights of m as Radford et al. 2016 do:
// convolution and linear weights from N(0, 0.02²), batch-norm scales from
// N(1, 0.02²), biases zero.
func initDCGAN(m nn.Module, s *tensor.Stream) {
	nn.Walk(m, func(p nn.Param) {
		if !p.Tensor.RequiresGrad() {
			return
		}
		d := p.Tensor.Data()
		switch {
		case strings.HasSuffix(p.Name, "bias"):
			clear(d)
		case p.Tensor.NDim() == 1: // a batch-norm scale
			copy(d, s.NormalScaled(1, 0.02, len(d)).Data())
		default:
			copy(d, s.NormalScaled(0, 0.02, len(d)).Data())
		}
	})
}
