package multimodal

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/tensor"
)

// Gaussian is a diagonal Gaussian posterior over the latent space, given
// by its mean and log-variance [N, latent].
type Gaussian struct {
	Mu, LogVar *tensor.Tensor
}

// Fusion names, the values of metadata.multi_modal.fusion.
const (
	// PoE fuses experts by their product with the prior expert N(0, I)
	// (Wu & Goodman, 2018): precisions add, means are precision-weighted.
	// Any subset of modalities gives a posterior.
	PoE = "poe"
	// MoE fuses experts by a uniform mixture (Shi et al., 2019): each
	// expert's posterior must explain every modality.
	MoE = "moe"
)

// Fusions lists the fusion names.
var Fusions = []string{PoE, MoE}

// ProductOfExperts returns the product of the given Gaussian experts and
// the standard-normal prior expert, itself Gaussian: precision
// T = 1 + Σ_i e^(-logvar_i), mean = Σ_i mu_i·e^(-logvar_i) / T,
// log-variance -log T. With no expert it is the prior. Differentiable.
func ProductOfExperts(experts ...Gaussian) Gaussian {
	if len(experts) == 0 {
		panic("multimodal: ProductOfExperts needs the shape of at least one expert")
	}
	var precision, weighted *tensor.Tensor
	for _, e := range experts {
		t := tensor.Exp(tensor.Neg(e.LogVar))
		mt := tensor.Mul(e.Mu, t)
		if precision == nil {
			precision, weighted = t, mt
			continue
		}
		precision, weighted = tensor.Add(precision, t), tensor.Add(weighted, mt)
	}
	precision = tensor.AddScalar(precision, 1) // the prior expert N(0, I)
	return Gaussian{Mu: tensor.Div(weighted, precision), LogVar: tensor.Neg(tensor.Log(precision))}
}

// Sample draws z = mu + e^(logvar/2)·ε from s, differentiable in the
// parameters.
func (g Gaussian) Sample(s *tensor.Stream) *tensor.Tensor {
	eps := s.Normal(g.Mu.Shape()...)
	return tensor.Add(g.Mu, tensor.Mul(tensor.Exp(tensor.Scale(g.LogVar, 0.5)), eps))
}

// KL returns KL(g ‖ N(0, I)) per example [N], in nats.
func (g Gaussian) KL() *tensor.Tensor {
	return tensor.SumAxes(tensor.KLStandardNormal(g.Mu, g.LogVar), []int{1}, false)
}

// InfoNCE returns the symmetric contrastive loss of CLIP between paired
// embeddings a and b [N, D]: rows are L2-normalised, the logits are the
// cosine similarities divided by temperature, and the loss is the mean of
// the cross-entropies of each row of a picking its partner in b and of
// each row of b picking its partner in a. Differentiable.
func InfoNCE(a, b *tensor.Tensor, temperature float64) *tensor.Tensor {
	if !(temperature > 0) || math.IsInf(temperature, 0) {
		panic(fmt.Sprintf("multimodal: InfoNCE temperature must be > 0, got %g", temperature))
	}
	n := a.Dim(0)
	if b.Dim(0) != n || a.Dim(1) != b.Dim(1) {
		panic(fmt.Sprintf("multimodal: InfoNCE needs paired [N, D] embeddings, got %v and %v", a.Shape(), b.Shape()))
	}
	logits := tensor.Scale(tensor.MatMulT(normalize(a), normalize(b), false, true), float32(1/temperature))
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i
	}
	ab := tensor.Mean(tensor.CrossEntropy(logits, labels))
	ba := tensor.Mean(tensor.CrossEntropy(tensor.Transpose(logits, 0, 1), labels))
	return tensor.Scale(tensor.Add(ab, ba), 0.5)
}

// normalize divides each row by its L2 norm (plus a small epsilon).
func normalize(x *tensor.Tensor) *tensor.Tensor {
	norm := tensor.Sqrt(tensor.AddScalar(tensor.SumAxes(tensor.Square(x), []int{1}, true), 1e-12))
	return tensor.Div(x, norm)
}
