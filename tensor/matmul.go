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
// op of x alone (an activation: GELU, SiLU, ...). It is AffineAct without
// a bias.
func MatMulAct(act func(*Tensor) *Tensor, x, w *Tensor) *Tensor { return AffineAct(act, x, w, nil) }

// Affine returns x·w + b for x [M, K], w [K, N] and b [N] (nil for none):
// a linear layer in one op, the bias written into the product's buffer
// before the product is added to it, so no x·w tensor is made and
// dropped.
func Affine(x, w, b *Tensor) *Tensor {
	checkAffine("Affine", x, w, b)
	return recordAffine("Affine", affineForward(x, w, b), x, x, w, b)
}

// AffineAct returns act(x)·w + b, where act is one op of x alone (an
// activation: GELU, SiLU, ...). The backward pass keeps x, not act(x),
// and applies act again: for a feed-forward layer that is one tensor of
// the hidden width less to hold per layer, for an elementwise pass over
// it.
func AffineAct(act func(*Tensor) *Tensor, x, w, b *Tensor) *Tensor {
	checkAffine("AffineAct", x, w, b)
	var a, out *Tensor
	NoGrad(func() { a = act(x) })
	out = affineForward(a, w, b)
	if a != x {
		discard(a) // nothing else holds act(x)
	}
	return recordAffine("AffineAct", out, x, nil, w, b, act)
}

func checkAffine(op string, x, w, b *Tensor) {
	if x.NDim() != 2 || w.NDim() != 2 || x.shape[1] != w.shape[0] {
		panic(fmt.Sprintf("%s: x %v and w %v must be [M, K] and [K, N]", op, x.shape, w.shape))
	}
	if b != nil && (b.NDim() != 1 || b.shape[0] != w.shape[1]) {
		panic(fmt.Sprintf("%s: bias %v must be [%d]", op, b.shape, w.shape[1]))
	}
}

// affineForward computes a·w + b (b may be nil) into a new tensor.
func affineForward(a, w, b *Tensor) *Tensor {
	m, k, n := a.shape[0], a.shape[1], w.shape[1]
	out := uninit([]int{m, n})
	var beta float32
	if b != nil {
		for i := 0; i < m; i++ {
			copy(out.data[i*n:(i+1)*n], b.data)
		}
		beta = 1
	}
	kernels.Sgemm(false, false, m, n, k, 1, a.data, k, w.data, n, beta, out.data, n)
	return out
}

// recordAffine records out = act(x)·w + b, where act(x) is ax when act is
// nil. The rule is written with ops, so recorded (second-order) passes
// differentiate it too.
func recordAffine(op string, out, x, ax, w, b *Tensor, act ...func(*Tensor) *Tensor) *Tensor {
	bshape := []int(nil)
	if b != nil {
		bshape = b.shape
	}
	return record(out, op, func(g *Tensor) []*Tensor {
		var gx, gw, gb *Tensor
		a, src := ax, x
		if a == nil {
			// Recording act below gives its own backward rule, applied to
			// the gradient of act(x). In a recorded pass act reads x
			// itself, so the gradient keeps x's history; otherwise it
			// reads a fresh leaf of x's values, so that the one node
			// recorded is all there is.
			if !GradEnabled() {
				src = &Tensor{shape: x.shape, data: x.data, requiresGrad: x.requiresGrad}
			}
			EnableGrad(func() { a = act[0](src) })
		}
		if w.requiresGrad {
			gw = MatMulT(a, g, true, false)
		}
		if b != nil && b.requiresGrad {
			gb = SumTo(g, bshape)
		}
		if x.requiresGrad {
			gx = MatMulT(g, w, false, true)
			if ax == nil {
				if a.node == nil || len(a.node.inputs) != 1 || a.node.inputs[0] != graphKey(src) {
					panic(op + ": act must be one op of x alone")
				}
				gx = a.node.backward(gx)[0]
			}
		}
		return []*Tensor{gx, gw, gb}
	}, x, w, b)
}
