package flow

import (
	"fmt"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// MaskedLinear is a Linear layer whose weight [in, out] is multiplied by a
// fixed 0/1 mask, cutting the connections MADE's ordering forbids.
type MaskedLinear struct {
	Linear *nn.Linear
	mask   *tensor.Tensor
}

// Forward applies the masked layer to x [N, in].
func (m *MaskedLinear) Forward(x *tensor.Tensor) *tensor.Tensor {
	return tensor.Add(tensor.MatMul(x, tensor.Mul(m.Linear.Weight, m.mask)), m.Linear.Bias)
}

// MADE is the masked autoencoder for distribution estimation (Germain et
// al. 2015): a dense network whose output i depends only on inputs of lower
// degree, with inputs in their natural order 1..D. It outputs two values
// per input, a shift μ and a log-scale α, as MAF and IAF need.
type MADE struct {
	Layers []*MaskedLinear
	dim    int
}

// NewMADE returns a MADE over dim inputs with the given hidden widths (at
// least one). Hidden unit k of every layer has degree 1 + k mod (dim-1), so
// every degree is present; the output layer starts at zero.
func NewMADE(rngs *nn.Rngs, dim int, hidden []int) (*MADE, error) {
	if dim < 2 || len(hidden) == 0 {
		return nil, fmt.Errorf("flow: MADE needs at least 2 inputs and one hidden layer, got %d inputs and hidden %v", dim, hidden)
	}
	degIn := make([]int, dim)
	for i := range degIn {
		degIn[i] = i + 1
	}
	m := &MADE{dim: dim}
	prev := degIn
	for _, h := range hidden {
		deg := make([]int, h)
		for k := range deg {
			deg[k] = 1 + k%(dim-1)
		}
		m.Layers = append(m.Layers, maskedLinear(rngs, prev, deg, func(out, in int) bool { return out >= in }))
		prev = deg
	}
	degOut := append(append([]int(nil), degIn...), degIn...)
	last := maskedLinear(rngs, prev, degOut, func(out, in int) bool { return out > in })
	zero(last.Linear.Weight, last.Linear.Bias)
	m.Layers = append(m.Layers, last)
	return m, nil
}

func maskedLinear(rngs *nn.Rngs, degIn, degOut []int, connect func(out, in int) bool) *MaskedLinear {
	l := &MaskedLinear{Linear: nn.NewLinear(rngs, len(degIn), len(degOut)), mask: tensor.Zeros(len(degIn), len(degOut))}
	d := l.mask.Data()
	for i, a := range degIn {
		for j, b := range degOut {
			if connect(b, a) {
				d[i*len(degOut)+j] = 1
			}
		}
	}
	return l
}

// Forward returns μ and α for x [N, D].
func (m *MADE) Forward(x *tensor.Tensor) (mu, alpha *tensor.Tensor) {
	for i, l := range m.Layers {
		x = l.Forward(x)
		if i < len(m.Layers)-1 {
			x = tensor.ReLU(x)
		}
	}
	p := tensor.Chunk(x, 2, 1)
	return p[0], p[1]
}

// MAF is one layer of the masked autoregressive flow (Papamakarios et al.
// 2017) on [N, D] input: z_i = (x_i - μ_i(x_<i))·exp(-α_i(x_<i)). The
// density direction (Forward) takes one pass; sampling (Inverse) takes D.
type MAF struct{ Net *MADE }

// Forward returns z and -Σ α.
func (m *MAF) Forward(x *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	mu, alpha := m.Net.Forward(x)
	return tensor.Mul(tensor.Sub(x, mu), tensor.Exp(tensor.Neg(alpha))), tensor.Neg(sumPerSample(alpha))
}

// Inverse solves for x one degree at a time: after pass i the first i
// entries are exact, since each depends only on the ones before it. The
// entries not yet exact are kept at 0 rather than at the pass's guess: a
// guess can overflow, and a NaN input reaches every output of the masked
// products (NaN·0 is NaN), even those the mask cuts off from it.
func (m *MAF) Inverse(z *tensor.Tensor) *tensor.Tensor {
	d := m.Net.dim
	x, zero := tensor.ZerosLike(z), tensor.Zeros(1, 1)
	solved := tensor.Zeros(1, d)
	for i := range d {
		solved.Data()[i] = 1
		mu, alpha := m.Net.Forward(x)
		x = tensor.Where(solved.Clone(), tensor.Add(tensor.Mul(z, tensor.Exp(alpha)), mu), zero)
	}
	return x
}

// IAF is one layer of the inverse autoregressive flow (Kingma et al. 2016):
// the inverse of MAF, x_i = z_i·exp(α_i(z_<i)) + μ_i(z_<i). Sampling
// (Inverse) takes one pass; the density direction (Forward) takes D.
type IAF struct{ Net *MADE }

// Forward solves for z one degree at a time, keeping the entries not yet
// exact at 0 as MAF.Inverse does, and returns -Σ α(z).
func (f *IAF) Forward(x *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	d := f.Net.dim
	z, zero := tensor.ZerosLike(x), tensor.Zeros(1, 1)
	solved := tensor.Zeros(1, d)
	var alpha *tensor.Tensor
	for i := range d {
		solved.Data()[i] = 1
		var mu *tensor.Tensor
		mu, alpha = f.Net.Forward(z)
		z = tensor.Where(solved.Clone(), tensor.Mul(tensor.Sub(x, mu), tensor.Exp(tensor.Neg(alpha))), zero)
	}
	return z, tensor.Neg(sumPerSample(alpha))
}

// Inverse returns x in one pass.
func (f *IAF) Inverse(z *tensor.Tensor) *tensor.Tensor {
	mu, alpha := f.Net.Forward(z)
	return tensor.Add(tensor.Mul(z, tensor.Exp(alpha)), mu)
}

// BatchNormFlow is batch normalisation used as an invertible layer (MAF,
// after RealNVP): z = (x - m)/√(v + ε)·exp(LogGamma) + Beta per feature (or
// channel), with the batch's mean and variance in training and the running
// averages in evaluation and in Inverse.
type BatchNormFlow struct {
	LogGamma    *tensor.Tensor
	Beta        *tensor.Tensor
	RunningMean *tensor.Tensor // state
	RunningVar  *tensor.Tensor // state
	Momentum    float32        `nn:"-"`
	Eps         float32        `nn:"-"`
	training    bool
}

// NewBatchNormFlow returns a batch-norm flow over c features, in training
// mode, with momentum 0.1 and ε 1e-5.
func NewBatchNormFlow(c int) *BatchNormFlow {
	return &BatchNormFlow{
		LogGamma: tensor.Zeros(c).SetRequiresGrad(true), Beta: tensor.Zeros(c).SetRequiresGrad(true),
		RunningMean: tensor.Zeros(c), RunningVar: tensor.Ones(c),
		Momentum: 0.1, Eps: 1e-5, training: true,
	}
}

// SetTraining switches between batch and running statistics.
func (b *BatchNormFlow) SetTraining(on bool) { b.training = on }

// Forward normalises x and returns Σ (LogGamma - ½ log(v + ε)) per sample.
func (b *BatchNormFlow) Forward(x *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	view, spatial := channelView(x)
	axes := []int{0}
	for i := 2; i < x.NDim(); i++ {
		axes = append(axes, i)
	}
	mean, v := tensor.Reshape(b.RunningMean, view...), tensor.Reshape(b.RunningVar, view...)
	if b.training && x.Dim(0) > 1 {
		mean = tensor.MeanAxes(x, axes, true)
		v = tensor.MeanAxes(tensor.Square(tensor.Sub(x, mean)), axes, true)
		tensor.NoGrad(func() {
			rm, rv, m, vv := b.RunningMean.Data(), b.RunningVar.Data(), mean.Data(), v.Data()
			for i := range rm {
				rm[i] = (1-b.Momentum)*rm[i] + b.Momentum*m[i]
				rv[i] = (1-b.Momentum)*rv[i] + b.Momentum*vv[i]
			}
		})
	}
	logStd := tensor.Scale(tensor.Log(tensor.AddScalar(v, b.Eps)), 0.5)
	z := tensor.Mul(tensor.Sub(x, mean), tensor.Exp(tensor.Sub(tensor.Reshape(b.LogGamma, view...), logStd)))
	z = tensor.Add(z, tensor.Reshape(b.Beta, view...))
	ld := tensor.Sum(tensor.Sub(tensor.Reshape(b.LogGamma, view...), logStd))
	return z, perSample(tensor.Scale(ld, float32(spatial)), x.Dim(0))
}

// Inverse undoes Forward with the running statistics.
func (b *BatchNormFlow) Inverse(z *tensor.Tensor) *tensor.Tensor {
	view, _ := channelView(z)
	std := tensor.Sqrt(tensor.AddScalar(tensor.Reshape(b.RunningVar, view...), b.Eps))
	x := tensor.Mul(tensor.Sub(z, tensor.Reshape(b.Beta, view...)), tensor.Exp(tensor.Neg(tensor.Reshape(b.LogGamma, view...))))
	return tensor.Add(tensor.Mul(x, std), tensor.Reshape(b.RunningMean, view...))
}
