package flow

import (
	"math"

	"github.com/artifex-go/artifex/tensor"
)

// Base is the distribution of z, the end of a flow's Forward.
type Base interface {
	// LogProb returns log p(z) [N] for z [N, ...]; labels (one per
	// sample) matter only to class-conditional bases and may be nil.
	LogProb(z *tensor.Tensor, labels []int) *tensor.Tensor
	// Sample draws one z of the given shape [N, ...] per label (labels may
	// be nil), with the spread scaled by temperature where it applies.
	Sample(shape []int, labels []int, temperature float32, s *tensor.Stream) *tensor.Tensor
}

// Normal is the diagonal Gaussian base. Unconditional (Mean nil) it is the
// standard normal; class-conditional it has a learned mean and log-std per
// class and dimension, Mean and LogStd [K, D] (zero at the start), the
// class-conditional prior of Glow.
type Normal struct {
	Mean   *tensor.Tensor
	LogStd *tensor.Tensor
}

// NewNormal returns a standard normal base, or a class-conditional one over
// dim dimensions when classes > 0.
func NewNormal(classes, dim int) *Normal {
	if classes <= 0 {
		return &Normal{}
	}
	return &Normal{
		Mean:   tensor.Zeros(classes, dim).SetRequiresGrad(true),
		LogStd: tensor.Zeros(classes, dim).SetRequiresGrad(true),
	}
}

var halfLog2Pi = float32(0.5 * math.Log(2*math.Pi))

// params returns the mean and log-std per sample, or nils for the standard
// normal.
func (b *Normal) params(labels []int) (mu, logStd *tensor.Tensor) {
	if b.Mean == nil || labels == nil {
		return nil, nil
	}
	return tensor.Embedding(b.Mean, labels), tensor.Embedding(b.LogStd, labels)
}

// LogProb returns Σ log N(z; μ, σ²) per sample.
func (b *Normal) LogProb(z *tensor.Tensor, labels []int) *tensor.Tensor {
	zf := tensor.Reshape(z, z.Dim(0), -1)
	mu, logStd := b.params(labels)
	lp := tensor.Scale(tensor.Square(zf), -0.5)
	if mu != nil {
		eps := tensor.Mul(tensor.Sub(zf, mu), tensor.Exp(tensor.Neg(logStd)))
		lp = tensor.Sub(tensor.Scale(tensor.Square(eps), -0.5), logStd)
	}
	return tensor.AddScalar(tensor.SumAxes(lp, []int{1}, false), -halfLog2Pi*float32(zf.Dim(1)))
}

// Sample draws μ + σ·temperature·ε.
func (b *Normal) Sample(shape []int, labels []int, temperature float32, s *tensor.Stream) *tensor.Tensor {
	eps := tensor.Scale(s.Normal(shape...), temperature)
	mu, logStd := b.params(labels)
	if mu == nil {
		return eps
	}
	flat := tensor.Reshape(eps, shape[0], -1)
	return tensor.Reshape(tensor.Add(mu, tensor.Mul(tensor.Exp(logStd), flat)), shape...)
}

// Uniform is the uniform base on [0, 1]^D: log p is 0 inside and -Inf
// outside. A flow with this base ends in a Sigmoid layer so that z is in
// the support.
type Uniform struct{}

// LogProb returns 0 for samples inside the unit cube and -Inf otherwise.
func (Uniform) LogProb(z *tensor.Tensor, _ []int) *tensor.Tensor {
	n := z.Dim(0)
	out := tensor.Zeros(n)
	per := z.Size() / max(n, 1)
	for i := range n {
		for _, v := range z.Data()[i*per : (i+1)*per] {
			if v < 0 || v > 1 {
				out.Data()[i] = float32(math.Inf(-1))
				break
			}
		}
	}
	return out
}

// Sample draws uniformly from the unit cube; temperature does not apply.
func (Uniform) Sample(shape []int, _ []int, _ float32, s *tensor.Stream) *tensor.Tensor {
	return s.Uniform(0, 1, shape...)
}
