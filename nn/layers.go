package nn

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/tensor"
)

// Embedding maps integer ids to learned vectors.
type Embedding struct {
	Weight *tensor.Tensor // [vocab, dim]
}

// NewEmbedding returns an embedding table initialised N(0, 1) as in PyTorch.
func NewEmbedding(rngs *Rngs, vocab, dim int) *Embedding {
	return &Embedding{Weight: param(rngs.Params().Normal(vocab, dim))}
}

// Forward looks up ids, returning [shape..., dim] (shape defaults to
// [len(ids)]).
func (e *Embedding) Forward(ids []int, shape ...int) *tensor.Tensor {
	return tensor.Embedding(e.Weight, ids, shape...)
}

// MaxPool2d takes the maximum over square windows.
type MaxPool2d struct{ Kernel, Stride, Padding int }

// Forward pools x [N, C, H, W].
func (p MaxPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.MaxPool2d(x, [2]int{p.Kernel, p.Kernel}, [2]int{p.Stride, p.Stride}, [2]int{p.Padding, p.Padding})
}

// AvgPool2d averages over square windows.
type AvgPool2d struct{ Kernel, Stride, Padding int }

// Forward pools x [N, C, H, W].
func (p AvgPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.AvgPool2d(x, [2]int{p.Kernel, p.Kernel}, [2]int{p.Stride, p.Stride}, [2]int{p.Padding, p.Padding})
}

// Upsample enlarges [N, C, H, W] input by an integer factor with "nearest"
// or "bilinear" interpolation (align_corners false).
type Upsample struct {
	Scale int
	Mode  string
}

// Forward up-samples x.
func (u Upsample) Forward(x *tensor.Tensor) *tensor.Tensor {
	switch u.Mode {
	case "", "nearest":
		return tensor.UpsampleNearest2d(x, u.Scale, u.Scale)
	case "bilinear":
		return tensor.UpsampleBilinear2d(x, x.Dim(2)*u.Scale, x.Dim(3)*u.Scale, false)
	default:
		panic(fmt.Sprintf("Upsample: unknown mode %q (nearest, bilinear)", u.Mode))
	}
}

// SinusoidalEmbedding embeds scalar positions or diffusion timesteps t
// (one per batch element) into dim features: sin(t·ω_i) for the first half
// and cos(t·ω_i) for the second, with ω_i = maxPeriod^(-i/(dim/2)) as in
// the Transformer and DDPM papers.
func SinusoidalEmbedding(t []float32, dim int) *tensor.Tensor {
	if dim%2 != 0 || dim <= 0 {
		panic(fmt.Sprintf("SinusoidalEmbedding: dim %d must be positive and even", dim))
	}
	const maxPeriod = 10000.0
	half := dim / 2
	out := make([]float32, len(t)*dim)
	for b, tv := range t {
		for i := 0; i < half; i++ {
			w := math.Exp(-math.Log(maxPeriod) * float64(i) / float64(half))
			arg := float64(tv) * w
			out[b*dim+i] = float32(math.Sin(arg))
			out[b*dim+half+i] = float32(math.Cos(arg))
		}
	}
	return tensor.FromSlice(out, len(t), dim)
}

// ResBlock is the residual block of diffusion UNets (Ho et al. 2020):
// GroupNorm → SiLU → 3×3 conv, plus a projected time embedding added per
// channel, then GroupNorm → SiLU → dropout → 3×3 conv, with a 1×1 conv on
// the skip path when the channel count changes.
type ResBlock struct {
	Norm1, Norm2 *GroupNorm
	Conv1, Conv2 *Conv2d
	Time         *Linear // nil when the block has no time input
	Skip         *Conv2d // nil when in == out
	Drop         *Dropout
}

// NewResBlock returns a residual block from in to out channels; timeDim 0
// means no time embedding. groups is the GroupNorm group count (it must
// divide both channel counts).
func NewResBlock(rngs *Rngs, in, out, timeDim, groups int, dropout float32) *ResBlock {
	b := &ResBlock{
		Norm1: NewGroupNorm(groups, in), Conv1: NewConv2d(rngs, in, out, 3, 1, 1),
		Norm2: NewGroupNorm(groups, out), Conv2: NewConv2d(rngs, out, out, 3, 1, 1),
		Drop: NewDropout(rngs, dropout),
	}
	if timeDim > 0 {
		b.Time = NewLinear(rngs, timeDim, out)
	}
	if in != out {
		b.Skip = NewConv2d(rngs, in, out, 1, 1, 0)
	}
	return b
}

// Forward applies the block to x [N, in, H, W] with time embedding temb
// [N, timeDim] (nil when the block has none).
//
// Each intermediate is released after its last use (tensor.Release): the
// ones a recorded op saved stay for the backward pass, the others (all of
// them when sampling) go back to the step's arena at once.
func (b *ResBlock) Forward(x, temb *tensor.Tensor) *tensor.Tensor {
	n1 := b.Norm1.ForwardSiLU(x)
	h := b.Conv1.Forward(n1)
	tensor.Release(n1)
	if b.Time != nil && temb != nil {
		t := b.Time.Forward(tensor.SiLU(temb))
		ht := tensor.Add(h, tensor.Reshape(t, t.Dim(0), t.Dim(1), 1, 1))
		tensor.Release(h)
		h = ht
	}
	n2 := b.Norm2.ForwardSiLU(h)
	tensor.Release(h)
	d := b.Drop.Forward(n2)
	h = b.Conv2.Forward(d)
	tensor.Release(d)
	tensor.Release(n2)
	skip := x
	if b.Skip != nil {
		skip = b.Skip.Forward(x)
	}
	out := tensor.Add(skip, h)
	tensor.Release(h)
	if skip != x {
		tensor.Release(skip)
	}
	return out
}
