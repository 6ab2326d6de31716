package tensor

import (
	"fmt"

	"github.com/artifex-go/artifex/internal/kernels"
)

// MatMul returns the matrix product of a [..., M, K] and b [..., K, N].
// Leading (batch) dimensions must match, or one operand may have none and is
// shared by every batch.
func MatMul(a, b *Tensor) *Tensor { return MatMulT(a, b, false, false) }

// MatMulT returns op(a) @ op(b), where op transposes the last two axes when
// the corresponding flag is set. It avoids materialising transposes, which
// is how backward passes and Linear layers use it.
func MatMulT(a, b *Tensor, transA, transB bool) *Tensor {
	if a.NDim() < 2 || b.NDim() < 2 {
		panic(fmt.Sprintf("matmul: operands need at least 2 dimensions, got shapes %v and %v", a.shape, b.shape))
	}
	ra, ca := a.shape[a.NDim()-2], a.shape[a.NDim()-1]
	rb, cb := b.shape[b.NDim()-2], b.shape[b.NDim()-1]
	m, k := ra, ca
	if transA {
		m, k = ca, ra
	}
	k2, n := rb, cb
	if transB {
		k2, n = cb, rb
	}
	if k != k2 {
		panic(fmt.Sprintf("matmul: shapes %v and %v do not align (transA=%v, transB=%v)", a.shape, b.shape, transA, transB))
	}
	batchA, batchB := a.shape[:a.NDim()-2], b.shape[:b.NDim()-2]
	var batch []int
	switch {
	case SameShape(batchA, batchB) || len(batchB) == 0:
		batch = batchA
	case len(batchA) == 0:
		batch = batchB
	default:
		panic(fmt.Sprintf("matmul: batch dimensions of %v and %v differ", a.shape, b.shape))
	}
	out := uninit(append(append([]int(nil), batch...), m, n)) // GEMM with β = 0 writes all
	nb := numel(batch)
	switch {
	case len(batchB) == 0 && !transA:
		// A shared right operand: fold the batch into the rows, one GEMM.
		kernels.Sgemm(false, transB, nb*m, n, k, 1, a.data, ca, b.data, cb, 0, out.data, n)
	default:
		sa, sb := ra*ca, rb*cb
		if len(batchA) == 0 {
			sa = 0
		}
		if len(batchB) == 0 {
			sb = 0
		}
		for i := 0; i < nb; i++ {
			kernels.Sgemm(transA, transB, m, n, k, 1, a.data[i*sa:], ca, b.data[i*sb:], cb, 0, out.data[i*m*n:], n)
		}
	}
	// Each operand is kept only for the other's gradient, so a layer's
	// input is not held when only its weight is trained, nor a frozen
	// weight when only the input is.
	as, bs := a.shape, b.shape
	keepA, keepB := keptFor(a, b.requiresGrad), keptFor(b, a.requiresGrad)
	return record(out, "MatMul", func(g *Tensor) []*Tensor {
		a, b := keepA, keepB
		var ga, gb *Tensor
		if b != nil {
			if transA {
				ga = MatMulT(b, g, transB, true)
			} else {
				ga = MatMulT(g, b, false, !transB)
			}
			ga = SumTo(ga, as)
		}
		if a != nil {
			aa, gg := a, g
			if len(batchB) == 0 && len(batchA) > 0 && !transA {
				aa = Reshape(a, -1, ca)
				gg = Reshape(g, -1, n)
			}
			if transB {
				gb = MatMulT(gg, aa, true, transA)
			} else {
				gb = MatMulT(aa, gg, !transA, false)
			}
			gb = SumTo(gb, bs)
		}
		return []*Tensor{ga, gb}
	}, a, b)
}

// MatMulAct returns act(x)·w for x [M, K] and w [K, N], where act is one
// op of x alone (an activation: GELU, SiLU, ...). The backward pass keeps
// x, not act(x), and applies act again: for a feed-forward layer that is
// one tensor of the hidden width less to hold per layer, for an
// elementwise pass over it.
func MatMulAct(act func(*Tensor) *Tensor, x, w *Tensor) *Tensor {
	if x.NDim() != 2 || w.NDim() != 2 || x.shape[1] != w.shape[0] {
		panic(fmt.Sprintf("MatMulAct: x %v and w %v must be [M, K] and [K, N]", x.shape, w.shape))
	}
	var out *Tensor
	NoGrad(func() { out = MatMul(act(x), w) })
	return record(out, "MatMulAct", func(g *Tensor) []*Tensor {
		// Recording act below gives its own backward rule, applied to the
		// gradient of act(x). In a recorded pass act reads x itself, so
		// the gradient keeps x's history; otherwise it reads a fresh leaf
		// of x's values, so that the one node recorded is all there is.
		src := x
		if !GradEnabled() {
			src = &Tensor{shape: x.shape, data: x.data, requiresGrad: x.requiresGrad}
		}
		var a *Tensor
		EnableGrad(func() { a = act(src) })
		var gx, gw *Tensor
		if w.requiresGrad {
			gw = MatMulT(a, g, true, false)
		}
		if x.requiresGrad {
			if a.node == nil || len(a.node.inputs) != 1 || a.node.inputs[0] != graphKey(src) {
				panic("MatMulAct: act must be one op of x alone")
			}
			gx = a.node.backward(MatMulT(g, w, false, true))[0]
		}
		return []*Tensor{gx, gw}
	}, x, w)
}
