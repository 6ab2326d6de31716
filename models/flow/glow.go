package flow

import (
	"math"

	"github.com/artifex-go/artifex/dist"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// ActNorm is Glow's activation normalisation: a per-channel affine map
// z = (x + Bias)·exp(LogScale) whose parameters are initialised from the
// first batch it sees so that its output has zero mean and unit variance
// per channel. Initialized is a state tensor (saved in checkpoints), so a
// restored model is not re-initialised by its first batch.
type ActNorm struct {
	Bias        *tensor.Tensor // [C]
	LogScale    *tensor.Tensor // [C]
	Initialized *tensor.Tensor // scalar state: 1 once data-initialised

	// comm, in a job of several processes (dist.Attach), makes the
	// initialisation use the statistics of every rank's examples, as one
	// process would of the whole batch.
	comm dist.Communicator
}

// SetComm implements dist.Member.
func (a *ActNorm) SetComm(c dist.Communicator) { a.comm = c }

// NewActNorm returns an ActNorm over c channels (or features).
func NewActNorm(c int) *ActNorm {
	return &ActNorm{
		Bias:        tensor.Zeros(c).SetRequiresGrad(true),
		LogScale:    tensor.Zeros(c).SetRequiresGrad(true),
		Initialized: tensor.Scalar(0),
	}
}

// initFrom sets the parameters from the statistics of x.
func (a *ActNorm) initFrom(x *tensor.Tensor) {
	c := x.Dim(1)
	axes := []int{0}
	for i := 2; i < x.NDim(); i++ {
		axes = append(axes, i)
	}
	if a.comm != nil && a.comm.Size() > 1 {
		a.initAcross(x)
		return
	}
	tensor.NoGrad(func() {
		mean := tensor.MeanAxes(x, axes, false).Data()
		v := tensor.Var(x, axes, false, false).Data()
		for i := range c {
			a.Bias.Data()[i] = -mean[i]
			a.LogScale.Data()[i] = float32(-math.Log(math.Sqrt(float64(v[i])) + 1e-6))
		}
	})
	a.Initialized.Data()[0] = 1
}

// initAcross is initFrom over the examples of every rank.
func (a *ActNorm) initAcross(x *tensor.Tensor) {
	n, c := x.Dim(0), x.Dim(1)
	spatial := x.Size() / max(n*c, 1)
	byChannel := make([]float32, x.Size())
	d := x.Data()
	for i := range n {
		for ch := range c {
			copy(byChannel[(ch*n+i)*spatial:(ch*n+i+1)*spatial], d[(i*c+ch)*spatial:(i*c+ch+1)*spatial])
		}
	}
	mean, v, err := dist.MeanVar(a.comm, byChannel, c)
	if err != nil {
		// Forward has no error to return; a failed collective ends
		// every rank anyway.
		panic(err)
	}
	for i := range c {
		a.Bias.Data()[i] = float32(-mean[i])
		a.LogScale.Data()[i] = float32(-math.Log(math.Sqrt(v[i]) + 1e-6))
	}
	a.Initialized.Data()[0] = 1
}

// Forward normalises x, initialising from it on the first call.
func (a *ActNorm) Forward(x *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	if a.Initialized.Item() == 0 && x.Dim(0) > 1 {
		a.initFrom(x)
	}
	view, spatial := channelView(x)
	z := tensor.Mul(tensor.Add(x, tensor.Reshape(a.Bias, view...)), tensor.Reshape(tensor.Exp(a.LogScale), view...))
	return z, perSample(tensor.Scale(tensor.Sum(a.LogScale), float32(spatial)), x.Dim(0))
}

// Inverse computes x = z·exp(-LogScale) - Bias.
func (a *ActNorm) Inverse(z *tensor.Tensor) *tensor.Tensor {
	view, _ := channelView(z)
	return tensor.Sub(tensor.Mul(z, tensor.Reshape(tensor.Exp(tensor.Neg(a.LogScale)), view...)), tensor.Reshape(a.Bias, view...))
}

// InvConv1x1 is Glow's invertible 1×1 convolution, z = W·x at every
// pixel, with an unconstrained weight W [C, C]. Its log-determinant is
// H·W·log|det W|, computed by tensor.LogAbsDet (an LU factorisation in
// float64 whose gradient is W⁻ᵀ); the inverse convolves with tensor.Inverse(W).
type InvConv1x1 struct {
	Weight *tensor.Tensor // [C, C]
}

// NewInvConv1x1 returns a 1×1 convolution over c channels initialised to a
// random rotation, as in Glow.
func NewInvConv1x1(rngs *nn.Rngs, c int) *InvConv1x1 {
	return &InvConv1x1{Weight: randomRotation(rngs.Params(), c).SetRequiresGrad(true)}
}

// randomRotation returns a c×c orthogonal matrix: Gram–Schmidt on a
// Gaussian matrix, in float64.
func randomRotation(s *tensor.Stream, c int) *tensor.Tensor {
	q := make([][]float64, c)
	for i := range q {
		q[i] = make([]float64, c)
		for j := range q[i] {
			q[i][j] = s.NormFloat64()
		}
		for k := 0; k < i; k++ {
			dot := 0.0
			for j := range c {
				dot += q[i][j] * q[k][j]
			}
			for j := range c {
				q[i][j] -= dot * q[k][j]
			}
		}
		norm := 0.0
		for _, v := range q[i] {
			norm += v * v
		}
		for j := range q[i] {
			q[i][j] /= math.Sqrt(norm)
		}
	}
	w := tensor.Zeros(c, c)
	for i := range c {
		for j := range c {
			w.Data()[i*c+j] = float32(q[i][j])
		}
	}
	return w
}

// conv1x1 applies the [C, C] matrix w at every pixel of x [N, C, H, W].
func conv1x1(x, w *tensor.Tensor) *tensor.Tensor {
	c := w.Dim(0)
	return tensor.Conv2d(x, tensor.Reshape(w, c, c, 1, 1), nil, tensor.Conv2dOptions{})
}

// Forward returns W·x and H·W·log|det W|.
func (l *InvConv1x1) Forward(x *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	_, spatial := channelView(x)
	return conv1x1(x, l.Weight), perSample(tensor.Scale(tensor.LogAbsDet(l.Weight), float32(spatial)), x.Dim(0))
}

// Inverse returns W⁻¹·z.
func (l *InvConv1x1) Inverse(z *tensor.Tensor) *tensor.Tensor {
	return conv1x1(z, tensor.Inverse(l.Weight))
}

// InvConv1x1LU is the LU-parametrised invertible 1×1 convolution of Glow:
// W = P·L·(U + diag(Sign·exp(LogS))) with P a fixed permutation, L unit
// lower triangular and U strictly upper triangular, so log|det W| =
// Σ LogS costs nothing. It starts at W = P, a random permutation of the
// channels (an orthogonal matrix, like Glow's random rotation, with no
// factorisation needed).
type InvConv1x1LU struct {
	Lower *tensor.Tensor // [C, C], only the strict lower triangle is used
	Upper *tensor.Tensor // [C, C], only the strict upper triangle is used
	LogS  *tensor.Tensor // [C]
	Perm  *tensor.Tensor // [C, C] permutation matrix (state)
	Sign  *tensor.Tensor // [C] signs of the diagonal (state)
	lmask *tensor.Tensor
	umask *tensor.Tensor
}

// NewInvConv1x1LU returns an LU-parametrised 1×1 convolution over c channels.
func NewInvConv1x1LU(rngs *nn.Rngs, c int) *InvConv1x1LU {
	l := &InvConv1x1LU{
		Lower: tensor.Zeros(c, c).SetRequiresGrad(true),
		Upper: tensor.Zeros(c, c).SetRequiresGrad(true),
		LogS:  tensor.Zeros(c).SetRequiresGrad(true),
		Perm:  tensor.Zeros(c, c),
		Sign:  tensor.Ones(c),
		lmask: tensor.Zeros(c, c),
		umask: tensor.Zeros(c, c),
	}
	for i, j := range rngs.Params().Permutation(c) {
		l.Perm.Data()[i*c+j] = 1
	}
	for i := range c {
		for j := range c {
			if j < i {
				l.lmask.Data()[i*c+j] = 1
			} else if j > i {
				l.umask.Data()[i*c+j] = 1
			}
		}
	}
	return l
}

// weight assembles W from its factors.
func (l *InvConv1x1LU) weight() *tensor.Tensor {
	c := l.LogS.Dim(0)
	eye := tensor.Zeros(c, c)
	for i := range c {
		eye.Data()[i*c+i] = 1
	}
	lower := tensor.Add(tensor.Mul(l.Lower, l.lmask), eye)
	diag := tensor.Mul(eye, tensor.Reshape(tensor.Mul(l.Sign, tensor.Exp(l.LogS)), 1, c))
	upper := tensor.Add(tensor.Mul(l.Upper, l.umask), diag)
	return tensor.MatMul(l.Perm, tensor.MatMul(lower, upper))
}

// Forward returns W·x and H·W·Σ LogS.
func (l *InvConv1x1LU) Forward(x *tensor.Tensor) (*tensor.Tensor, *tensor.Tensor) {
	_, spatial := channelView(x)
	return conv1x1(x, l.weight()), perSample(tensor.Scale(tensor.Sum(l.LogS), float32(spatial)), x.Dim(0))
}

// Inverse returns W⁻¹·z.
func (l *InvConv1x1LU) Inverse(z *tensor.Tensor) *tensor.Tensor {
	return conv1x1(z, tensor.Inverse(l.weight()))
}

// NewGlowStep returns one step of flow of Glow on [C, H, W] inputs:
// ActNorm, an invertible 1×1 convolution (LU-parametrised when lu is set)
// and an affine coupling over channels.
func NewGlowStep(rngs *nn.Rngs, shape []int, hidden []int, lu bool) (Sequence, error) {
	c := shape[0]
	coupling, err := NewAffineCoupling(rngs, shape, ChannelMask, false, hidden)
	if err != nil {
		return nil, err
	}
	var mix Layer = NewInvConv1x1(rngs, c)
	if lu {
		mix = NewInvConv1x1LU(rngs, c)
	}
	return Sequence{NewActNorm(c), mix, coupling}, nil
}
