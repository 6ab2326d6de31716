package nn

import (
	"fmt"

	"github.com/artifex-go/artifex/tensor"
)

// normalize returns (x - mean)/√(var + eps) over axes, with the biased
// variance as PyTorch's normalisation layers use.
func normalize(x *tensor.Tensor, axes []int, eps float32) *tensor.Tensor {
	xc := tensor.Sub(x, tensor.MeanAxes(x, axes, true))
	sq := tensor.Square(xc)
	v := tensor.MeanAxes(sq, axes, true)
	tensor.Release(sq) // read once, by the mean
	return tensor.Mul(xc, tensor.Rsqrt(tensor.AddScalar(v, eps)))
}

// affine returns y·w + b with w and b broadcast per channel as cs says;
// the product is released once the bias is added.
func affine(y, w, b *tensor.Tensor, cs []int) *tensor.Tensor {
	yw := tensor.Mul(y, tensor.Reshape(w, cs...))
	out := tensor.Add(yw, tensor.Reshape(b, cs...))
	tensor.Release(yw)
	return out
}

// channelShape returns the shape that broadcasts a per-channel vector over
// an [N, C, ...] input.
func channelShape(x *tensor.Tensor, c int) []int {
	s := make([]int, x.NDim())
	for i := range s {
		s[i] = 1
	}
	s[1] = c
	return s
}

// LayerNorm normalises over the trailing axes that its weight spans (the
// last axis for NewLayerNorm(dim)) and applies a learned elementwise scale
// and shift (Ba et al. 2016), as PyTorch's LayerNorm(normalized_shape).
type LayerNorm struct {
	Weight *tensor.Tensor
	Bias   *tensor.Tensor
	Eps    float32 `nn:"-"`
}

// NewLayerNorm returns a LayerNorm over trailing axes of the given shape,
// usually one feature axis: NewLayerNorm(dim).
func NewLayerNorm(shape ...int) *LayerNorm {
	if len(shape) == 0 {
		panic("LayerNorm: needs the shape of at least one trailing axis")
	}
	return &LayerNorm{Weight: param(tensor.Ones(shape...)), Bias: param(tensor.Zeros(shape...)), Eps: 1e-5}
}

// Forward normalises x [..., shape...].
func (l *LayerNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	k := l.Weight.NDim()
	if x.NDim() < k || !tensor.SameShape(x.Shape()[x.NDim()-k:], l.Weight.Shape()) {
		panic(fmt.Sprintf("LayerNorm: input shape %v, want trailing axes %v", x.Shape(), l.Weight.Shape()))
	}
	return tensor.LayerNorm(x, l.Weight, l.Bias, l.Eps)
}

// GroupNorm normalises [N, C, ...] input over groups of channels and the
// spatial axes, then applies per-channel scale and shift (Wu & He 2018).
type GroupNorm struct {
	Groups int `nn:"-"`
	Weight *tensor.Tensor
	Bias   *tensor.Tensor
	Eps    float32 `nn:"-"`
}

// NewGroupNorm returns a GroupNorm of channels split in groups.
func NewGroupNorm(groups, channels int) *GroupNorm {
	if groups <= 0 || channels%groups != 0 {
		panic(fmt.Sprintf("GroupNorm: %d channels not divisible into %d groups", channels, groups))
	}
	return &GroupNorm{Groups: groups, Weight: param(tensor.Ones(channels)), Bias: param(tensor.Zeros(channels)), Eps: 1e-5}
}

// Forward normalises x [N, C, ...].
func (g *GroupNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	c := g.Weight.Dim(0)
	if x.NDim() < 2 || x.Dim(1) != c {
		panic(fmt.Sprintf("GroupNorm: input shape %v, want [N, %d, ...]", x.Shape(), c))
	}
	return tensor.GroupNorm(x, g.Weight, g.Bias, g.Groups, g.Eps)
}

// BatchNorm normalises [N, C] or [N, C, ...] input with batch statistics in
// training and running statistics in evaluation (Ioffe & Szegedy 2015). It
// serves as BatchNorm1d and BatchNorm2d.
type BatchNorm struct {
	Weight      *tensor.Tensor
	Bias        *tensor.Tensor
	RunningMean *tensor.Tensor // state, saved in checkpoints
	RunningVar  *tensor.Tensor
	Momentum    float32 `nn:"-"`
	Eps         float32 `nn:"-"`
	training    bool
}

// NewBatchNorm returns a batch-norm layer over channels with PyTorch's
// defaults (momentum 0.1, eps 1e-5), in training mode.
func NewBatchNorm(channels int) *BatchNorm {
	return &BatchNorm{
		Weight: param(tensor.Ones(channels)), Bias: param(tensor.Zeros(channels)),
		RunningMean: tensor.Zeros(channels), RunningVar: tensor.Ones(channels),
		Momentum: 0.1, Eps: 1e-5, training: true,
	}
}

// SetTraining switches between batch and running statistics.
func (b *BatchNorm) SetTraining(on bool) { b.training = on }

// Forward normalises x [N, C, ...].
func (b *BatchNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	c := b.Weight.Dim(0)
	if x.NDim() < 2 || x.Dim(1) != c {
		panic(fmt.Sprintf("BatchNorm: input shape %v, want [N, %d, ...]", x.Shape(), c))
	}
	if b.training {
		n := x.Size() / c
		if n < 2 {
			panic(fmt.Sprintf("BatchNorm: training needs more than one value per channel, got input shape %v", x.Shape()))
		}
		out, mean, v := tensor.BatchNorm(x, b.Weight, b.Bias, b.Eps)
		// The running variance is the unbiased one, as PyTorch keeps it,
		// from the batch statistics the normalisation computed.
		unbias := float32(n) / float32(n-1)
		rm, rv := b.RunningMean.Data(), b.RunningVar.Data()
		for i := range rm {
			rm[i] = (1-b.Momentum)*rm[i] + b.Momentum*mean[i]
			rv[i] = (1-b.Momentum)*rv[i] + b.Momentum*v[i]*unbias
		}
		return out
	}
	cs := channelShape(x, c)
	y := tensor.Mul(tensor.Sub(x, tensor.Reshape(b.RunningMean, cs...)),
		tensor.Reshape(tensor.Rsqrt(tensor.AddScalar(b.RunningVar, b.Eps)), cs...))
	return affine(y, b.Weight, b.Bias, cs)
}

// InstanceNorm normalises each channel of each sample over its spatial
// axes (Ulyanov et al. 2016), with an optional learned scale and shift.
type InstanceNorm struct {
	Weight *tensor.Tensor // nil when not affine
	Bias   *tensor.Tensor
	Eps    float32 `nn:"-"`
}

// NewInstanceNorm returns an instance norm over channels.
func NewInstanceNorm(channels int, affine bool) *InstanceNorm {
	n := &InstanceNorm{Eps: 1e-5}
	if affine {
		n.Weight, n.Bias = param(tensor.Ones(channels)), param(tensor.Zeros(channels))
	}
	return n
}

// Forward normalises x [N, C, ...spatial].
func (n *InstanceNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	if x.NDim() < 3 {
		panic(fmt.Sprintf("InstanceNorm: input shape %v, want [N, C, spatial...]", x.Shape()))
	}
	y := tensor.Reshape(normalize(tensor.Reshape(x, x.Dim(0), x.Dim(1), -1), []int{-1}, n.Eps), x.Shape()...)
	if n.Weight == nil {
		return y
	}
	return affine(y, n.Weight, n.Bias, channelShape(x, x.Dim(1)))
}
