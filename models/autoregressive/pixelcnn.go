// Package autoregressive holds the autoregressive generative models:
// PixelCNN over images, WaveNet over audio and a Transformer over tokens.
// Each factorises p(x) = Π p(x_i | x_<i) with a network whose output i
// cannot see inputs ≥ i (masked or causal operations), so the likelihood is
// exact and one forward pass evaluates it, while sampling runs one position
// at a time.
package autoregressive

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// PixelCNNOptions is the architecture of a PixelCNN.
type PixelCNNOptions struct {
	// Channels, Height and Width are the image shape (C is 1 or 3 in
	// practice; any C ≥ 1 works).
	Channels, Height, Width int
	// Hidden is the number of feature maps of the residual stream.
	Hidden int
	// ResidualBlocks is the number of residual blocks after the first
	// (type A) convolution.
	ResidualBlocks int
	// FirstKernel is the kernel of the type A convolution (7 in the paper);
	// Kernel that of the blocks' masked convolutions (3).
	FirstKernel, Kernel int
	// OutputHidden is the width of the two 1×1 output layers' hidden map.
	OutputHidden int
	// Levels is the number of values a sub-pixel takes: 256 gives a 256-way
	// softmax per sub-pixel (8-bit images, pixels k/255); 2 gives a
	// Bernoulli output with one logit per sub-pixel (binarised images).
	Levels int
	// Gated uses gated blocks, tanh(W_f∗x)·σ(W_g∗x) followed by a 1×1
	// convolution (van den Oord et al. 2016, Conditional Image Generation
	// with PixelCNN Decoders), instead of ReLU bottleneck blocks.
	Gated bool
}

// Validate reports the first architecture value out of range.
func (o PixelCNNOptions) Validate() error {
	switch {
	case o.Channels <= 0 || o.Height <= 0 || o.Width <= 0:
		return fmt.Errorf("autoregressive: PixelCNN image shape [C H W] = [%d %d %d] must be positive", o.Channels, o.Height, o.Width)
	case o.Hidden < 2*o.Channels:
		return fmt.Errorf("autoregressive: PixelCNN hidden maps must be at least 2 per colour channel (%d), got %d", 2*o.Channels, o.Hidden)
	case o.ResidualBlocks < 0:
		return fmt.Errorf("autoregressive: PixelCNN num_residual_blocks must be >= 0, got %d", o.ResidualBlocks)
	case o.FirstKernel <= 0 || o.FirstKernel%2 == 0:
		return fmt.Errorf("autoregressive: PixelCNN first_kernel_size must be odd and positive, got %d", o.FirstKernel)
	case o.Kernel <= 0 || o.Kernel%2 == 0:
		return fmt.Errorf("autoregressive: PixelCNN kernel_size must be odd and positive, got %d", o.Kernel)
	case o.OutputHidden < o.Channels:
		return fmt.Errorf("autoregressive: PixelCNN output_hidden_channels must be at least the number of colour channels (%d), got %d", o.Channels, o.OutputHidden)
	case o.Levels < 2:
		return fmt.Errorf("autoregressive: PixelCNN num_levels must be 2 (binary) or more (categorical), got %d", o.Levels)
	}
	return nil
}

// Binary reports whether the outputs are Bernoulli (Levels == 2).
func (o PixelCNNOptions) Binary() bool { return o.Levels == 2 }

// PixelCNN models an image as a product of per-sub-pixel conditionals in
// raster order (rows, then columns, then colour channels R, G, B), with
// masked convolutions: a type A convolution, residual blocks of type B
// convolutions and two 1×1 type B output layers (van den Oord et al. 2016).
// Images are [N, C, H, W] in [0, 1]; sub-pixel values are k/(Levels-1).
type PixelCNN struct {
	First  *MaskedConv2d
	Blocks []pixelCNNBlock
	Out1   *MaskedConv2d
	Out2   *MaskedConv2d

	cfg  config.ModelConfiguration
	opts PixelCNNOptions
}

// pixelCNNBlock is a residual block: it returns x + f(x).
type pixelCNNBlock interface {
	Forward(x *tensor.Tensor) *tensor.Tensor
}

// pixelCNNResidual is the ReLU bottleneck block of the PixelCNN paper:
// 1×1 (h→h/2), k×k (h/2→h/2), 1×1 (h/2→h), each after a ReLU.
type pixelCNNResidual struct {
	In, Mid, Out *MaskedConv2d
}

func (b *pixelCNNResidual) Forward(x *tensor.Tensor) *tensor.Tensor {
	h := b.In.Forward(tensor.ReLU(x))
	h = b.Mid.Forward(tensor.ReLU(h))
	h = b.Out.Forward(tensor.ReLU(h))
	return tensor.Add(x, h)
}

// pixelCNNGated is a gated block: tanh(f)·σ(g) of two k×k convolutions,
// then a 1×1 convolution back into the residual stream.
type pixelCNNGated struct {
	Filter, Gate, Out *MaskedConv2d
}

func (b *pixelCNNGated) Forward(x *tensor.Tensor) *tensor.Tensor {
	h := tensor.Mul(tensor.Tanh(b.Filter.Forward(x)), tensor.Sigmoid(b.Gate.Forward(x)))
	return tensor.Add(x, b.Out.Forward(h))
}

// NewPixelCNN builds a PixelCNN; cfg is the effective configuration it
// reports.
func NewPixelCNN(cfg config.ModelConfiguration, o PixelCNNOptions, rngs *nn.Rngs) (*PixelCNN, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	var firstErr error
	conv := func(in, out, k int, m MaskType) *MaskedConv2d {
		c, err := NewMaskedConv2d(rngs, in, out, k, m, o.Channels)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return c
	}
	p := &PixelCNN{cfg: cfg, opts: o}
	p.First = conv(o.Channels, o.Hidden, o.FirstKernel, MaskA)
	half := max(o.Hidden/2, o.Channels)
	for range o.ResidualBlocks {
		if o.Gated {
			p.Blocks = append(p.Blocks, &pixelCNNGated{
				Filter: conv(o.Hidden, o.Hidden, o.Kernel, MaskB),
				Gate:   conv(o.Hidden, o.Hidden, o.Kernel, MaskB),
				Out:    conv(o.Hidden, o.Hidden, 1, MaskB),
			})
		} else {
			p.Blocks = append(p.Blocks, &pixelCNNResidual{
				In:  conv(o.Hidden, half, 1, MaskB),
				Mid: conv(half, half, o.Kernel, MaskB),
				Out: conv(half, o.Hidden, 1, MaskB),
			})
		}
	}
	p.Out1 = conv(o.Hidden, o.OutputHidden, 1, MaskB)
	p.Out2 = conv(o.OutputHidden, o.Channels*p.logitsPerSubpixel(), 1, MaskB)
	if firstErr != nil {
		return nil, firstErr
	}
	return p, nil
}

// Config returns the effective configuration the model was built from.
func (p *PixelCNN) Config() config.ModelConfiguration { return p.cfg }

// Options returns the architecture.
func (p *PixelCNN) Options() PixelCNNOptions { return p.opts }

// logitsPerSubpixel is 1 for Bernoulli outputs, Levels otherwise. The
// output maps are laid out channel-major (c·L + k), which puts sub-pixel c's
// logits in group c of the masks.
func (p *PixelCNN) logitsPerSubpixel() int {
	if p.opts.Binary() {
		return 1
	}
	return p.opts.Levels
}

// dims is the number of sub-pixels of one image.
func (p *PixelCNN) dims() int { return p.opts.Channels * p.opts.Height * p.opts.Width }

// Logits returns the conditional logits of every sub-pixel of x
// [N, C, h, W] (h ≤ Height: the rows above are all an output row sees):
// [N, C, Levels, h, W] for categorical outputs, [N, C, h, W] for Bernoulli.
func (p *PixelCNN) Logits(x *tensor.Tensor) *tensor.Tensor {
	n, h, w := x.Dim(0), x.Dim(2), x.Dim(3)
	z := p.First.Forward(tensor.AddScalar(tensor.Scale(x, 2), -1))
	for _, b := range p.Blocks {
		z = b.Forward(z)
	}
	z = p.Out2.Forward(tensor.ReLU(p.Out1.Forward(tensor.ReLU(z))))
	if p.opts.Binary() {
		return z
	}
	return tensor.Reshape(z, n, p.opts.Channels, p.opts.Levels, h, w)
}

// checkImages panics with a description when x is not a batch of the
// model's images; shapes are programming errors inside the library.
func (p *PixelCNN) checkImages(x *tensor.Tensor, op string) {
	o := p.opts
	if x.NDim() != 4 || x.Dim(1) != o.Channels || x.Dim(2) != o.Height || x.Dim(3) != o.Width {
		panic(fmt.Sprintf("autoregressive: PixelCNN.%s: images of shape %v, want [N %d %d %d]", op, x.Shape(), o.Channels, o.Height, o.Width))
	}
}

// levels returns the level index round(v·(L-1)) of every sub-pixel.
func (p *PixelCNN) levels(x *tensor.Tensor) []int {
	l := float32(p.opts.Levels - 1)
	out := make([]int, x.Size())
	for i, v := range x.Data() {
		k := int(math.Round(float64(min(max(v, 0), 1) * l)))
		out[i] = k
	}
	return out
}

// LogProb returns log p(x) in nats [N] of images x [N, C, H, W] in [0, 1]:
// the sum over sub-pixels of the log-probability of its level
// round(x·(Levels-1)) (Bernoulli outputs: of x ∈ {0, 1}; values in between
// give the cross-entropy against that probability).
func (p *PixelCNN) LogProb(x *tensor.Tensor) *tensor.Tensor {
	p.checkImages(x, "LogProb")
	n := x.Dim(0)
	logits := p.Logits(x)
	var nll *tensor.Tensor
	if p.opts.Binary() {
		nll = tensor.BCEWithLogits(logits, x)
	} else {
		// [N, C, L, H, W] → [N·C·H·W, L], rows in the order of x's values.
		flat := tensor.Reshape(tensor.Permute(logits, 0, 1, 3, 4, 2), x.Size(), p.opts.Levels)
		nll = tensor.CrossEntropy(flat, p.levels(x))
	}
	return tensor.Neg(tensor.SumAxes(tensor.Reshape(nll, n, p.dims()), []int{1}, false))
}

// TrainLoss returns the negative log-likelihood in nats per sub-pixel,
// averaged over the batch; the logs hold "nll" in nats per image and
// "bits_per_dim". Binary models expect binarised images (training
// defaults binarization: dynamic or static).
func (p *PixelCNN) TrainLoss(batch data.Batch, _ *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	nll := tensor.Neg(tensor.Mean(p.LogProb(batch.Images)))
	v := float64(nll.Item())
	d := float64(p.dims())
	return tensor.Scale(nll, float32(1/d)), map[string]float64{"nll": v, "bits_per_dim": v / d / math.Ln2}
}

// Sample draws n images [n, C, H, W] in [0, 1], one sub-pixel at a time
// in raster order, from the conditionals with logits divided by
// temperature (1 samples the model). It runs without recording gradients;
// the same stream state gives the same images.
func (p *PixelCNN) Sample(n int, temperature float32, rngs *tensor.Rngs) *tensor.Tensor {
	o := p.opts
	x := tensor.Zeros(n, o.Channels, o.Height, o.Width)
	return p.fill(x, nil, temperature, rngs.Sample())
}

// Inpaint completes images: sub-pixels where known is 1 are kept from x
// [N, C, H, W], the others are drawn in raster order conditioned on every
// earlier sub-pixel, known or drawn. known has x's shape (values 0 or 1).
// Because the model is autoregressive, a drawn sub-pixel is conditioned on
// the known pixels before it, not on those after it.
func (p *PixelCNN) Inpaint(x, known *tensor.Tensor, temperature float32, rngs *tensor.Rngs) (*tensor.Tensor, error) {
	o := p.opts
	if x.NDim() != 4 || x.Dim(1) != o.Channels || x.Dim(2) != o.Height || x.Dim(3) != o.Width {
		return nil, fmt.Errorf("autoregressive: PixelCNN.Inpaint: images of shape %v, want [N %d %d %d]", x.Shape(), o.Channels, o.Height, o.Width)
	}
	if !tensor.SameShape(x.Shape(), known.Shape()) {
		return nil, fmt.Errorf("autoregressive: PixelCNN.Inpaint: mask of shape %v, want the images' shape %v", known.Shape(), x.Shape())
	}
	if !(temperature > 0) {
		return nil, fmt.Errorf("autoregressive: PixelCNN.Inpaint: temperature must be > 0, got %g", temperature)
	}
	keep := make([]bool, known.Size())
	for i, v := range known.Data() {
		keep[i] = v > 0.5
	}
	return p.fill(x.Detach().Clone(), keep, temperature, rngs.Sample()), nil
}

// ReceptiveRadius is how far, in rows up and in columns either way, an
// output pixel's inputs can lie: the type A kernel's half-width plus one
// half-width per block.
func (p *PixelCNN) ReceptiveRadius() int {
	return p.opts.FirstKernel/2 + p.opts.ResidualBlocks*(p.opts.Kernel/2)
}

// logitsAt returns the logits at pixel (i, j) of every image of x
// [N, C, H, W] for every channel: [N, C, Levels] (categorical) or [N, C]
// (Bernoulli). It runs the network on the window of ReceptiveRadius rows
// above and columns either side, which holds every input the pixel sees;
// the zero padding at a window edge inside the image only changes values
// outside the pixel's receptive cone.
func (p *PixelCNN) logitsAt(x *tensor.Tensor, i, j int) *tensor.Tensor {
	r := p.ReceptiveRadius()
	r0, c0 := max(0, i-r), max(0, j-r)
	c1 := min(p.opts.Width, j+r+1)
	win := tensor.Narrow(tensor.Narrow(x, 2, r0, i+1-r0), 3, c0, c1-c0).Clone()
	logits := p.Logits(win)
	if p.opts.Binary() {
		return tensor.Squeeze(tensor.Narrow(tensor.Narrow(logits, 2, i-r0, 1), 3, j-c0, 1), 2, 3)
	}
	return tensor.Squeeze(tensor.Narrow(tensor.Narrow(logits, 3, i-r0, 1), 4, j-c0, 1), 3, 4)
}

// fill draws every sub-pixel of x not marked in keep, in raster order.
func (p *PixelCNN) fill(x *tensor.Tensor, keep []bool, temperature float32, s *tensor.Stream) *tensor.Tensor {
	o := p.opts
	n := x.Dim(0)
	xd := x.Data()
	at := func(b, c, i, j int) int { return ((b*o.Channels+c)*o.Height+i)*o.Width + j }
	scale := float32(1 / float64(temperature))
	l := p.logitsPerSubpixel()
	tensor.NoGrad(func() {
		for i := range o.Height {
			for j := range o.Width {
				for c := range o.Channels {
					if keep != nil && allKept(keep, n, func(b int) int { return at(b, c, i, j) }) {
						continue
					}
					ld := p.logitsAt(x, i, j).Data()
					row := make([]float32, n*l)
					for b := range n {
						for k := range l {
							row[b*l+k] = ld[(b*o.Channels+c)*l+k] * scale
						}
					}
					var draws []int
					if o.Binary() {
						draws = make([]int, n)
						u := s.Uniform(0, 1, n).Data()
						for b := range n {
							if float64(u[b]) < 1/(1+math.Exp(-float64(row[b]))) {
								draws[b] = 1
							}
						}
					} else {
						draws = s.Categorical(tensor.FromSlice(row, n, l))
					}
					for b, k := range draws {
						if keep == nil || !keep[at(b, c, i, j)] {
							xd[at(b, c, i, j)] = float32(k) / float32(o.Levels-1)
						}
					}
				}
			}
		}
	})
	return x
}

// allKept reports whether position idx(b) is kept for every image b.
func allKept(keep []bool, n int, idx func(b int) int) bool {
	for b := range n {
		if !keep[idx(b)] {
			return false
		}
	}
	return true
}

// SampleImages draws n images at temperature 1.
func (p *PixelCNN) SampleImages(n int, rngs *tensor.Rngs) *tensor.Tensor {
	return p.Sample(n, 1, rngs)
}

// Evaluate returns the test negative log-likelihood: "nll" in nats per
// image and "bits_per_dim". A binary model sees the test images
// dynamically binarised (each pixel drawn as Bernoulli of its intensity,
// stream "binarize"), the usual binarised-MNIST protocol.
func (p *PixelCNN) Evaluate(test *data.Dataset, rngs *tensor.Rngs) (map[string]float64, error) {
	if test.Len() == 0 {
		return nil, fmt.Errorf("autoregressive: PixelCNN.Evaluate: empty data set")
	}
	o := p.opts
	if s := test.ImageShape(); s[0] != o.Channels || s[1] != o.Height || s[2] != o.Width {
		return nil, fmt.Errorf("autoregressive: PixelCNN.Evaluate: data set images are %v, the model's are [%d %d %d]", s, o.Channels, o.Height, o.Width)
	}
	it, err := data.NewIterator(test, data.BatchOptions{Size: 100})
	if err != nil {
		return nil, err
	}
	var bin data.Transform
	if o.Binary() {
		bin = data.DynamicBinarize(rngs.Stream("binarize"))
	}
	total := 0.0
	tensor.NoGrad(func() {
		for b, ok := it.Next(); ok; b, ok = it.Next() {
			x := b.Images
			if bin != nil {
				x = bin(x)
			}
			for _, v := range p.LogProb(x).Data() {
				total -= float64(v)
			}
		}
	})
	nll := total / float64(test.Len())
	return map[string]float64{"nll": nll, "bits_per_dim": nll / float64(p.dims()) / math.Ln2}, nil
}
