package gan

import (
	"fmt"

	"github.com/artifex-go/artifex/tensor"
)

// DiscriminatorLoss returns the discriminator's (critic's) scalar loss for
// its outputs on a real and a generated batch (logits for the
// probabilistic losses, scores for wasserstein and hinge; any shape, e.g.
// a PatchGAN map, averaged over all elements). labelSmoothing lowers the
// real target to 1 - labelSmoothing for vanilla, non_saturating and
// least_squares. With d_r, d_f the outputs and t = 1 - labelSmoothing:
//
//	vanilla, non_saturating  E[BCE(d_r, t)] + E[BCE(d_f, 0)]
//	least_squares            ½E[(d_r - t)²] + ½E[d_f²]
//	wasserstein              E[d_f] - E[d_r]
//	hinge                    E[max(0, 1 - d_r)] + E[max(0, 1 + d_f)]
func DiscriminatorLoss(t LossType, real, fake *tensor.Tensor, labelSmoothing float32) (*tensor.Tensor, error) {
	target := 1 - labelSmoothing
	switch t {
	case Vanilla, NonSaturating:
		return tensor.Add(
			tensor.Mean(tensor.BCEWithLogits(real, tensor.Full(target, real.Shape()...))),
			tensor.Mean(tensor.BCEWithLogits(fake, tensor.ZerosLike(fake)))), nil
	case LeastSquares:
		return tensor.Scale(tensor.Add(
			tensor.Mean(tensor.Square(tensor.AddScalar(real, -target))),
			tensor.Mean(tensor.Square(fake))), 0.5), nil
	case Wasserstein:
		return tensor.Sub(tensor.Mean(fake), tensor.Mean(real)), nil
	case Hinge:
		return tensor.Add(
			tensor.Mean(tensor.ReLU(tensor.AddScalar(tensor.Neg(real), 1))),
			tensor.Mean(tensor.ReLU(tensor.AddScalar(fake, 1)))), nil
	}
	return nil, fmt.Errorf("gan: discriminator loss: unknown loss type %q", t)
}

// GeneratorLoss returns the generator's scalar loss for the
// discriminator's outputs d_f on a generated batch:
//
//	vanilla         -E[BCE(d_f, 0)] = E[log(1 - σ(d_f))]
//	non_saturating  E[BCE(d_f, 1)]  = -E[log σ(d_f)]
//	least_squares   ½E[(d_f - 1)²]
//	wasserstein     -E[d_f]
//	hinge           -E[d_f]
func GeneratorLoss(t LossType, fake *tensor.Tensor) (*tensor.Tensor, error) {
	switch t {
	case Vanilla:
		return tensor.Neg(tensor.Mean(tensor.BCEWithLogits(fake, tensor.ZerosLike(fake)))), nil
	case NonSaturating:
		return tensor.Mean(tensor.BCEWithLogits(fake, tensor.OnesLike(fake))), nil
	case LeastSquares:
		return tensor.Scale(tensor.Mean(tensor.Square(tensor.AddScalar(fake, -1))), 0.5), nil
	case Wasserstein, Hinge:
		return tensor.Neg(tensor.Mean(fake)), nil
	}
	return nil, fmt.Errorf("gan: generator loss: unknown loss type %q", t)
}

// GradientPenalty returns E[(‖∇ₓ̂ score(x̂)‖₂ - 1)²] (Gulrajani et al.
// 2017) on the interpolates x̂ = ε·real + (1-ε)·fake, one ε in [0, 1] per
// sample (eps has one value per row of real). The norm is taken over each
// sample's values as √(Σg² + 1e-12), finite where the gradient vanishes.
// The gradient is computed with a recorded graph, so the penalty can be
// differentiated with respect to the parameters of score; real and fake
// are treated as constants.
func GradientPenalty(score func(x *tensor.Tensor) *tensor.Tensor, real, fake, eps *tensor.Tensor) (*tensor.Tensor, error) {
	if !tensor.SameShape(real.Shape(), fake.Shape()) || real.NDim() < 2 {
		return nil, fmt.Errorf("gan: gradient penalty: real %v and fake %v must be batches of one shape", real.Shape(), fake.Shape())
	}
	n := real.Dim(0)
	if eps.Size() != n {
		return nil, fmt.Errorf("gan: gradient penalty: %d interpolation weights for a batch of %d", eps.Size(), n)
	}
	bshape := make([]int, real.NDim())
	for i := range bshape {
		bshape[i] = 1
	}
	bshape[0] = n
	var xhat *tensor.Tensor
	tensor.NoGrad(func() {
		e := tensor.Reshape(eps, bshape...)
		xhat = tensor.Add(tensor.Mul(e, real), tensor.Mul(tensor.AddScalar(tensor.Neg(e), 1), fake))
	})
	xhat = xhat.Detach().SetRequiresGrad(true)
	g := tensor.Grad([]*tensor.Tensor{score(xhat)}, []*tensor.Tensor{xhat}, true)[0]
	norm := tensor.Sqrt(tensor.AddScalar(tensor.SumAxes(tensor.Square(tensor.Flatten(g)), []int{1}, false), 1e-12))
	return tensor.Mean(tensor.Square(tensor.AddScalar(norm, -1))), nil
}
