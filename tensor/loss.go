package tensor

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/internal/kernels"
)

// The losses return unreduced values, one per element or per row; callers
// choose Mean or Sum. Prediction and target must have the same shape: a
// silently broadcast [N, 1] against [N] would compare every pair.

func mustSameShape(op string, pred, target *Tensor) {
	if !SameShape(pred.shape, target.shape) {
		panic(fmt.Sprintf("%s: prediction shape %v and target shape %v differ", op, pred.shape, target.shape))
	}
}

// MSE returns the squared error (pred - target)² elementwise.
func MSE(pred, target *Tensor) *Tensor {
	mustSameShape("MSE", pred, target)
	return Square(Sub(pred, target))
}

// L1 returns the absolute error |pred - target| elementwise.
func L1(pred, target *Tensor) *Tensor {
	mustSameShape("L1", pred, target)
	return Abs(Sub(pred, target))
}

// Huber returns the Huber loss elementwise: d²/2 where |d| <= delta and
// delta·(|d| - delta/2) beyond, with d = pred - target.
func Huber(pred, target *Tensor, delta float32) *Tensor {
	mustSameShape("Huber", pred, target)
	if !(delta > 0) {
		panic(fmt.Sprintf("Huber: delta must be > 0, got %g", delta))
	}
	d := Sub(pred, target)
	out := mapUnary(d, func(dst, src []float32) {
		for i, v := range src {
			a := float32(math.Abs(float64(v)))
			if a <= delta {
				dst[i] = 0.5 * v * v
			} else {
				dst[i] = delta * (a - 0.5*delta)
			}
		}
	})
	return record(out, "Huber", func(g *Tensor) []*Tensor {
		return []*Tensor{Mul(g, Clamp(d, -delta, delta))}
	}, d)
}

// BCEWithLogits returns the binary cross-entropy of targets in [0, 1]
// against sigmoid(logits), elementwise, computed from the logits as
// max(x,0) - x·t + log1p(e^-|x|) so that it is finite for any logit.
func BCEWithLogits(logits, targets *Tensor) *Tensor {
	mustSameShape("BCEWithLogits", logits, targets)
	// softplus(x) - x·t, the softplus on the vector kernel.
	out := uninit(logits.shape)
	kernels.Parallel(len(out.data), parallelGrain, func(lo, hi int) {
		dst, x, t := out.data[lo:hi], logits.data[lo:hi], targets.data[lo:hi]
		kernels.SoftplusSlice(dst, x)
		for i, v := range x {
			dst[i] -= v * t[i]
		}
	})
	return record(out, "BCEWithLogits", func(g *Tensor) []*Tensor {
		var gx, gt *Tensor
		if logits.requiresGrad {
			gx = Mul(g, Sub(Sigmoid(logits), targets))
		}
		if targets.requiresGrad {
			gt = Mul(g, Neg(logits))
		}
		return []*Tensor{gx, gt}
	}, logits, targets)
}

// CrossEntropy returns, for logits [N, C] and one class label per row, the
// negative log-likelihood -log softmax(logits)[n, label[n]] as an [N]
// tensor. It panics on a label outside [0, C).
func CrossEntropy(logits *Tensor, labels []int) *Tensor {
	if logits.NDim() != 2 || logits.shape[0] != len(labels) {
		panic(fmt.Sprintf("CrossEntropy: logits of shape %v need shape [N, C] with N = %d labels", logits.shape, len(labels)))
	}
	n, c := logits.shape[0], logits.shape[1]
	onehot := empty(logits.shape)
	out := empty([]int{n})
	for r, y := range labels {
		if y < 0 || y >= c {
			panic(fmt.Sprintf("CrossEntropy: label %d of row %d out of range [0, %d) for logits of shape %v", y, r, c, logits.shape))
		}
		row := logits.data[r*c : (r+1)*c]
		m := row[0]
		for _, v := range row[1:] {
			m = max(m, v)
		}
		var s float32
		for _, v := range row {
			s += kernels.Exp(v - m)
		}
		out.data[r] = m + kernels.Log(s) - row[y]
		onehot.data[r*c+y] = 1
	}
	return record(out, "CrossEntropy", func(g *Tensor) []*Tensor {
		return []*Tensor{Mul(Reshape(g, n, 1), Sub(Softmax(logits, 1), onehot))}
	}, logits)
}

// CrossEntropySoft returns -Σ_c probs·log softmax(logits) over the last
// axis, for target distributions (label smoothing, distillation): logits
// and probs [N, C] give [N].
func CrossEntropySoft(logits, probs *Tensor) *Tensor {
	mustSameShape("CrossEntropySoft", logits, probs)
	if logits.NDim() == 0 {
		panic("CrossEntropySoft: logits need a class axis, got a scalar")
	}
	return Neg(SumAxes(Mul(probs, LogSoftmax(logits, -1)), []int{-1}, false))
}

// KLDiagGaussians returns KL(N(mu1, e^logvar1) ‖ N(mu2, e^logvar2))
// elementwise, for diagonal Gaussians given by means and log-variances
// (broadcasting, so a prior can be shared by a batch):
// (logvar2 - logvar1 + (e^logvar1 + (mu1-mu2)²)/e^logvar2 - 1) / 2.
func KLDiagGaussians(mu1, logvar1, mu2, logvar2 *Tensor) *Tensor {
	num := Add(Exp(logvar1), Square(Sub(mu1, mu2)))
	return Scale(AddScalar(Add(Sub(logvar2, logvar1), Mul(num, Exp(Neg(logvar2)))), -1), 0.5)
}

// KLStandardNormal returns KL(N(mu, e^logvar) ‖ N(0, 1)) elementwise,
// -(1 + logvar - mu² - e^logvar)/2: the VAE's regulariser.
func KLStandardNormal(mu, logvar *Tensor) *Tensor {
	return Scale(Sub(AddScalar(logvar, 1), Add(Square(mu), Exp(logvar))), -0.5)
}
