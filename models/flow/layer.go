// Package flow implements normalizing flows: invertible maps x → z with a
// tractable log-determinant, trained by maximum likelihood,
//
//	log p(x) = log p_base(z) + log|det ∂z/∂x|.
//
// A NormalizingFlow is a list of Layers and a base distribution. The
// layers cover RealNVP (affine coupling with checkerboard and channel
// masks, squeeze and the multi-scale split, Dinh et al. 2017), Glow
// (ActNorm, invertible 1×1 convolution, optionally LU-parametrised, Kingma
// & Dhariwal 2018), MADE/MAF/IAF with batch-norm-as-flow (Germain et al.
// 2015, Papamakarios et al. 2017, Kingma et al. 2016) and the
// rational-quadratic neural spline coupling (Durkan et al. 2019).
//
// Every layer is written with differentiable tensor operations, so the
// log-likelihood's gradient reaches every parameter through the engine's
// autodiff; nothing here has a hand-written backward pass.
package flow

import (
	"fmt"

	"github.com/artifex-go/artifex/tensor"
)

// Layer is one invertible transform of a batch. Forward maps data towards
// the base distribution (x → z) and returns, per batch element, log|det
// ∂z/∂x| as a tensor [N]; Inverse maps back (z → x). Both keep the shape.
type Layer interface {
	Forward(x *tensor.Tensor) (z, logDet *tensor.Tensor)
	Inverse(z *tensor.Tensor) *tensor.Tensor
}

// Sequence applies layers in order; it is itself a Layer.
type Sequence []Layer

// Forward applies every layer in order and sums their log-determinants.
func (s Sequence) Forward(x *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	logDet := tensor.Zeros(x.Dim(0))
	for _, l := range s {
		var ld *tensor.Tensor
		x, ld = l.Forward(x)
		logDet = tensor.Add(logDet, ld)
	}
	return x, logDet
}

// Inverse applies the inverses of the layers in reverse order.
func (s Sequence) Inverse(z *tensor.Tensor) *tensor.Tensor {
	for i := len(s) - 1; i >= 0; i-- {
		z = s[i].Inverse(z)
	}
	return z
}

// sumPerSample sums x [N, ...] over all but the first axis, giving [N].
func sumPerSample(x *tensor.Tensor) *tensor.Tensor {
	return tensor.SumAxes(tensor.Reshape(x, x.Dim(0), -1), []int{1}, false)
}

// perSample broadcasts a scalar log-determinant to every one of n samples.
func perSample(ld *tensor.Tensor, n int) *tensor.Tensor {
	return tensor.Add(tensor.Zeros(n), tensor.Reshape(ld, 1))
}

// channelView returns the shape that broadcasts a per-channel vector over
// x [N, C, ...] and the number of positions per channel.
func channelView(x *tensor.Tensor) (shape []int, spatial int) {
	shape = make([]int, x.NDim())
	spatial = 1
	for i := range shape {
		shape[i] = 1
		if i >= 2 {
			spatial *= x.Dim(i)
		}
	}
	shape[1] = x.Dim(1)
	return shape, spatial
}

// Reverse reverses the order of the features of [N, D] input (or the
// channels of [N, C, H, W] input); between autoregressive layers it lets
// every dimension be conditioned on every other. Its log-determinant is 0.
type Reverse struct{}

// Forward flips axis 1.
func (Reverse) Forward(x *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	return tensor.Flip(x, 1), tensor.Zeros(x.Dim(0))
}

// Inverse flips axis 1 back.
func (Reverse) Inverse(z *tensor.Tensor) *tensor.Tensor { return tensor.Flip(z, 1) }

// Sigmoid maps values to (0, 1) with the logistic function, so that a flow
// can end in the support of a uniform base distribution.
type Sigmoid struct{}

// Forward returns σ(x) and Σ log σ(x)(1-σ(x)).
func (Sigmoid) Forward(x *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	ld := tensor.Add(tensor.LogSigmoid(x), tensor.LogSigmoid(tensor.Neg(x)))
	return tensor.Sigmoid(x), sumPerSample(ld)
}

// Inverse returns log(z/(1-z)), clamping z into the open interval.
func (Sigmoid) Inverse(z *tensor.Tensor) *tensor.Tensor {
	z = tensor.Clamp(z, 1e-6, 1-1e-6)
	return tensor.Sub(tensor.Log(z), tensor.Log1p(tensor.Neg(z)))
}

// Squeeze trades space for channels: [N, C, H, W] → [N, 4C, H/2, W/2],
// each 2×2 block of a channel becoming four channels (RealNVP's squeeze).
// It is a permutation, so its log-determinant is 0.
type Squeeze struct{}

// Forward squeezes x; H and W must be even.
func (Squeeze) Forward(x *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	n, c, h, w := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	if h%2 != 0 || w%2 != 0 {
		panic(fmt.Sprintf("flow: Squeeze: height and width of %v must be even", x.Shape()))
	}
	y := tensor.Reshape(x, n, c, h/2, 2, w/2, 2)
	y = tensor.Permute(y, 0, 1, 3, 5, 2, 4)
	return tensor.Reshape(y, n, c*4, h/2, w/2), tensor.Zeros(n)
}

// Inverse undoes Forward.
func (Squeeze) Inverse(z *tensor.Tensor) *tensor.Tensor {
	n, c, h, w := z.Dim(0), z.Dim(1)/4, z.Dim(2), z.Dim(3)
	y := tensor.Reshape(z, n, c, 2, 2, h, w)
	y = tensor.Permute(y, 0, 1, 4, 2, 5, 3)
	return tensor.Reshape(y, n, c, h*2, w*2)
}

// MultiScale is one level of the multi-scale architecture of RealNVP and
// Glow: Pre runs at the input resolution, the input is squeezed (when
// Squeeze is set), Post runs on the squeezed tensor, and then, when Next is
// not nil, the first half of the channels is factored out (goes straight
// to the base distribution) while Next transforms the second half. The
// halves are put back together and un-squeezed, so the level maps
// [N, C, H, W] to the same shape and the factored-out values simply sit in
// their own positions of z, where the base density scores them.
type MultiScale struct {
	Pre     Sequence
	Squeeze bool `nn:"-"`
	Post    Sequence
	Next    Layer
}

// Forward applies the level.
func (m *MultiScale) Forward(x *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	x, logDet := m.Pre.Forward(x)
	if m.Squeeze {
		x, _ = Squeeze{}.Forward(x)
	}
	x, ld := m.Post.Forward(x)
	logDet = tensor.Add(logDet, ld)
	if m.Next != nil {
		c := x.Dim(1)
		parts := tensor.Split(x, 1, c/2, c-c/2)
		kept, ld := m.Next.Forward(parts[1])
		logDet = tensor.Add(logDet, ld)
		x = tensor.Concat(1, parts[0], kept)
	}
	if m.Squeeze {
		x = Squeeze{}.Inverse(x)
	}
	return x, logDet
}

// Inverse undoes Forward.
func (m *MultiScale) Inverse(z *tensor.Tensor) *tensor.Tensor {
	if m.Squeeze {
		z, _ = Squeeze{}.Forward(z)
	}
	if m.Next != nil {
		c := z.Dim(1)
		parts := tensor.Split(z, 1, c/2, c-c/2)
		z = tensor.Concat(1, parts[0], m.Next.Inverse(parts[1]))
	}
	z = m.Post.Inverse(z)
	if m.Squeeze {
		z = Squeeze{}.Inverse(z)
	}
	return m.Pre.Inverse(z)
}
