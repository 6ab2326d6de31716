package tensor

import (
	"fmt"
	"math"
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
	scores := Scale(MatMulT(q, k, false, true), float32(1/math.Sqrt(float64(d))))
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
	if allowed != nil {
		if s, err := BroadcastShapes(scores.shape, allowed.shape); err != nil || !SameShape(s, scores.shape) {
			panic(fmt.Sprintf("ScaledDotProductAttention: mask of shape %v (causal=%v) does not broadcast to scores %v", allowed.shape, causal, scores.shape))
		}
		bias := empty(allowed.shape)
		for i, m := range allowed.data {
			if m == 0 {
				bias.data[i] = maskedBias
			}
		}
		scores = Add(scores, bias)
	}
	return MatMul(Softmax(scores, -1), v)
}
