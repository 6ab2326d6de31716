package tensor

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/internal/kernels"
)

// maskedBias is added to the scores of masked-out keys. It is finite, not
// -Inf, so that a query with every key masked gets equal scores and a
// uniform average of the values instead of 0/0 = NaN; any unmasked key
// outweighs it completely (e^-1e9 is 0 in float32).
const maskedBias = -1e9

// ScaledDotProductAttention returns softmax(q·kᵀ/sqrt(D) + bias)·v for
// q [..., Lq, D], k [..., Lk, D] and v [..., Lk, Dv], giving [..., Lq, Dv].
// mask, when not nil, holds 1 where a query may attend to a key and 0 where
// it may not, and must broadcast to [..., Lq, Lk]. causal additionally
// masks key j for query i when j > i (aligned at the top-left, as PyTorch's
// is_causal). A query whose keys are all masked attends uniformly to all
// of them.
func ScaledDotProductAttention(q, k, v, mask *Tensor, causal bool) *Tensor {
	if q.NDim() < 2 || k.NDim() != q.NDim() || v.NDim() != q.NDim() {
		panic(fmt.Sprintf("ScaledDotProductAttention: q %v, k %v and v %v need the same rank >= 2", q.shape, k.shape, v.shape))
	}
	d := q.Dim(-1)
	lq, lk := q.Dim(-2), k.Dim(-2)
	if k.Dim(-1) != d || v.Dim(-2) != lk {
		panic(fmt.Sprintf("ScaledDotProductAttention: q %v, k %v and v %v disagree on D or Lk", q.shape, k.shape, v.shape))
	}
	scale := float32(1 / math.Sqrt(float64(d)))
	allowed := mask
	if causal {
		tri := empty([]int{lq, lk})
		for i := 0; i < lq; i++ {
			for j := 0; j <= i && j < lk; j++ {
				tri.data[i*lk+j] = 1
			}
		}
		if allowed == nil {
			allowed = tri
		} else {
			NoGrad(func() { allowed = Mul(mask, tri) })
		}
	}
	var bias *Tensor
	if allowed != nil {
		scoreShape := append(append([]int(nil), q.shape[:q.NDim()-1]...), lk)
		if s, err := BroadcastShapes(scoreShape, allowed.shape); err != nil || !SameShape(s, scoreShape) {
			panic(fmt.Sprintf("ScaledDotProductAttention: mask of shape %v (causal=%v) does not broadcast to scores %v", allowed.shape, causal, scoreShape))
		}
		bias = empty(allowed.shape)
		for i, m := range allowed.data {
			if m == 0 {
				bias.data[i] = maskedBias
			}
		}
	}
	// One fused op that keeps q, k and v for the backward pass and
	// nothing of size Lq·Lk: the weights are computed again there (one
	// more q·kᵀ product, a few per cent of the step), as FlashAttention
	// does, instead of holding the scores and the softmax for every layer.
	var out *Tensor
	NoGrad(func() {
		w := attentionWeights(q, k, bias, scale)
		out = MatMul(w, v)
		discard(w)
	})
	return record(out, "ScaledDotProductAttention", func(g *Tensor) []*Tensor {
		// A recorded backward pass (a gradient of a gradient) needs the
		// weights as a function of q and k, and the softmax's backward
		// written with ops; otherwise both are computed in place.
		recorded := GradEnabled()
		var w *Tensor
		if recorded {
			w = Softmax(Add(Scale(MatMulT(q, k, false, true), scale), orZero(bias)), -1)
		} else {
			w = attentionWeights(q, k, bias, scale)
		}
		var gq, gk, gv *Tensor
		if v.requiresGrad {
			gv = MatMulT(w, g, true, false)
		}
		if q.requiresGrad || k.requiresGrad {
			// softmax backward: dS = W·(dW - Σ dW·W), with dW = g·vᵀ
			dw := MatMulT(g, v, false, true)
			ds := dw
			if recorded {
				ds = Scale(Mul(w, Sub(dw, SumAxes(Mul(dw, w), []int{-1}, true))), scale)
			} else {
				softmaxGradRows(dw.data, w.data, lk, scale)
			}
			if q.requiresGrad {
				gq = MatMul(ds, k)
			}
			if k.requiresGrad {
				gk = MatMulT(ds, q, true, false)
			}
		}
		return []*Tensor{gq, gk, gv}
	}, q, k, v)
}

// attentionWeights returns softmax(q·kᵀ·scale + bias) over the last axis,
// computed in the storage of the scores.
func attentionWeights(q, k, bias *Tensor, scale float32) *Tensor {
	s := MatMulT(q, k, false, true)
	kernels.Parallel(len(s.data), parallelGrain, func(lo, hi int) {
		kernels.MulScalar(s.data[lo:hi], s.data[lo:hi], scale)
	})
	if bias != nil {
		scores := s
		s = Add(scores, bias)
		discard(scores)
	}
	n := s.shape[len(s.shape)-1]
	if n == 0 {
		return s
	}
	rows := len(s.data) / n
	kernels.Parallel(rows, max(1, parallelGrain/n), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row := s.data[r*n : (r+1)*n]
			softmaxRow(row, row, false)
		}
	})
	return s
}

// softmaxGradRows turns dw, the gradient of softmax weights w in rows of
// n, into scale times the gradient of the scores, in place.
func softmaxGradRows(dw, w []float32, n int, scale float32) {
	if n == 0 {
		return
	}
	kernels.Parallel(len(dw)/n, max(1, parallelGrain/n), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			d, p := dw[r*n:(r+1)*n], w[r*n:(r+1)*n]
			var dot float32
			for i, v := range d {
				dot += v * p[i]
			}
			for i, v := range d {
				d[i] = p[i] * (v - dot) * scale
			}
		}
	})
}

// orZero returns t, or a zero scalar for nil (a missing additive term).
func orZero(t *Tensor) *Tensor {
	if t == nil {
		return Scalar(0)
	}
	return t
}
