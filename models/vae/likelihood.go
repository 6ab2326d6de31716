package vae

import (
	"math"

	"github.com/artifex-go/artifex/tensor"
)

// Reconstruction likelihoods, the values of the reconstruction_loss
// parameter.
const (
	// Bernoulli: the decoder gives one logit per value, for data in [0, 1]
	// (binarised images).
	Bernoulli = "bce"
	// Gaussian: the decoder gives one mean per value; the variance is fixed
	// at GaussianVariance.
	Gaussian = "mse"
	// Categorical: the last data axis holds K classes (one-hot residues of
	// a sequence, input_dim [L, K]) and the decoder gives K logits per
	// position.
	Categorical = "categorical"
)

// Likelihoods lists the reconstruction_loss values, in the order errors
// name them.
var Likelihoods = []string{Bernoulli, Gaussian, Categorical}

// GaussianVariance is the fixed variance of the "mse" likelihood. With
// σ² = 1/2 the negative log-density of one value is (x-μ)² + ½·log π, so
// the reconstruction term is the familiar summed squared error plus a
// constant, and still an honest density in nats that the ELBO and the
// IWAE bound can use. A smaller variance weights reconstruction more
// against the KL term; kl_weight (or BetaVAE's beta) is the knob for that.
const GaussianVariance = 0.5

// nll returns the negative log-likelihood in nats of each example of x
// under the decoder output out (same shape), summed over the values of the
// example: [N].
func nll(kind string, out, x *tensor.Tensor) *tensor.Tensor {
	n := x.Dim(0)
	var per *tensor.Tensor
	switch kind {
	case Gaussian:
		c := float32(0.5 * math.Log(2*math.Pi*GaussianVariance))
		per = tensor.AddScalar(tensor.Scale(tensor.MSE(out, x), 1/(2*GaussianVariance)), c)
	case Categorical:
		k := x.Dim(-1)
		per = tensor.CrossEntropySoft(tensor.Reshape(out, -1, k), tensor.Reshape(x, -1, k))
	default:
		per = tensor.BCEWithLogits(out, x)
	}
	return tensor.SumAxes(tensor.Reshape(per, n, -1), []int{1}, false)
}

// mean maps decoder output to the likelihood's mean in data space:
// probabilities for Bernoulli and categorical, the decoder's means as they
// are for the Gaussian.
func mean(kind string, out *tensor.Tensor) *tensor.Tensor {
	switch kind {
	case Gaussian:
		return out
	case Categorical:
		return tensor.Softmax(out, -1)
	default:
		return tensor.Sigmoid(out)
	}
}
