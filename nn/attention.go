package nn

import (
	"fmt"

	"github.com/artifex-go/artifex/tensor"
)

// MultiHeadAttention projects queries, keys and values, attends in Heads
// parallel heads, and projects the concatenated result (Vaswani et al.
// 2017). Inputs are batch-first: [B, L, E].
type MultiHeadAttention struct {
	Query, Key, Value, Out *Linear
	Heads                  int
	// Rotary, when set, rotates the head-split queries and keys by their
	// positions (RoPE) before they are compared; queries and keys both
	// count positions from 0 (from the cache's length in ForwardCached).
	Rotary *RoPE
}

// NewMultiHeadAttention returns attention over embeddings of size dim split
// into heads; kvDim is the embedding size of keys and values (dim for
// self-attention).
func NewMultiHeadAttention(rngs *Rngs, dim, kvDim, heads int) *MultiHeadAttention {
	if heads <= 0 || dim%heads != 0 {
		panic(fmt.Sprintf("MultiHeadAttention: embedding %d not divisible into %d heads", dim, heads))
	}
	init := XavierUniform(1)
	return &MultiHeadAttention{
		Query: NewLinearInit(rngs, dim, dim, init, true),
		Key:   NewLinearInit(rngs, kvDim, dim, init, true),
		Value: NewLinearInit(rngs, kvDim, dim, init, true),
		Out:   NewLinearInit(rngs, dim, dim, init, true),
		Heads: heads,
	}
}

// splitHeads turns [B, L, E] into [B, H, L, E/H].
func (m *MultiHeadAttention) splitHeads(x *tensor.Tensor) *tensor.Tensor {
	b, l, e := x.Dim(0), x.Dim(1), x.Dim(2)
	return tensor.Permute(tensor.Reshape(x, b, l, m.Heads, e/m.Heads), 0, 2, 1, 3)
}

// project applies the projection l to x and splits the heads off; the
// projection itself lives on only as its split copy.
func (m *MultiHeadAttention) project(l *Linear, x *tensor.Tensor) *tensor.Tensor {
	p := l.Forward(x)
	h := m.splitHeads(p)
	tensor.Release(p)
	return h
}

// mergeHeads turns [B, H, L, D] into [B, L, H·D].
func mergeHeads(x *tensor.Tensor) *tensor.Tensor {
	b, h, l, d := x.Dim(0), x.Dim(1), x.Dim(2), x.Dim(3)
	return tensor.Reshape(tensor.Permute(x, 0, 2, 1, 3), b, l, h*d)
}

// Forward attends from q [B, Lq, E] to kv [B, Lk, kvDim] (pass q twice for
// self-attention). mask, if not nil, holds 1 where attention is allowed and
// broadcasts to [B, H, Lq, Lk]; causal forbids attending to later positions.
func (m *MultiHeadAttention) Forward(q, kv, mask *tensor.Tensor, causal bool) *tensor.Tensor {
	return m.Attend(q, kv, kv, mask, causal)
}

// Attend is Forward with keys k [B, Lk, kvDim] and values v [B, Lk, kvDim]
// given separately, as PyTorch's MultiheadAttention(query, key, value).
func (m *MultiHeadAttention) Attend(q, k, v, mask *tensor.Tensor, causal bool) *tensor.Tensor {
	if q.NDim() != 3 || k.NDim() != 3 || !tensor.SameShape(k.Shape(), v.Shape()) || q.Dim(0) != k.Dim(0) {
		panic(fmt.Sprintf("MultiHeadAttention: query %v, key %v and value %v must be [B, L, E] with the same batch (key and value of one shape)", q.Shape(), k.Shape(), v.Shape()))
	}
	qh := m.project(m.Query, q)
	kh := m.project(m.Key, k)
	vh := m.project(m.Value, v)
	qh, kh = m.rotate(qh, 0), m.rotate(kh, 0)
	return m.Out.Forward(mergeHeads(tensor.ScaledDotProductAttention(qh, kh, vh, mask, causal)))
}

// rotate applies Rotary, if set, to x [B, H, L, D] at positions from start.
func (m *MultiHeadAttention) rotate(x *tensor.Tensor, start int) *tensor.Tensor {
	if m.Rotary == nil {
		return x
	}
	return m.Rotary.Rotate(x, start)
}

// KVCache holds the keys and values of the positions generated so far, so
// that each generation step projects only its new tokens.
type KVCache struct {
	K, V *tensor.Tensor // [B, H, L, D]; nil before the first step
}

// Len returns the number of cached positions.
func (c *KVCache) Len() int {
	if c.K == nil {
		return 0
	}
	return c.K.Dim(2)
}

// ForwardCached is causal self-attention for x [B, T, E] holding the T
// newest positions; it appends their keys and values to cache and attends
// over every cached position. The result equals the rows of a full causal
// Forward over the whole sequence.
func (m *MultiHeadAttention) ForwardCached(x *tensor.Tensor, cache *KVCache) *tensor.Tensor {
	qh := m.project(m.Query, x)
	kh := m.project(m.Key, x)
	vh := m.project(m.Value, x)
	past := cache.Len()
	// The cache holds keys already rotated to their positions.
	qh, kh = m.rotate(qh, past), m.rotate(kh, past)
	if past > 0 {
		kh = tensor.Concat(2, cache.K, kh)
		vh = tensor.Concat(2, cache.V, vh)
	}
	cache.K, cache.V = kh, vh
	t, total := x.Dim(1), past+x.Dim(1)
	var mask *tensor.Tensor
	if t > 1 {
		// Query i (absolute position past+i) may see keys j ≤ past+i.
		md := make([]float32, t*total)
		for i := 0; i < t; i++ {
			for j := 0; j <= past+i; j++ {
				md[i*total+j] = 1
			}
		}
		mask = tensor.FromSlice(md, t, total)
	}
	return m.Out.Forward(mergeHeads(tensor.ScaledDotProductAttention(qh, kh, vh, mask, false)))
}

// TransformerBlock is a pre-norm transformer layer: x + Attn(LN(x)) then
// x + MLP(LN(x)), with an optional cross-attention in between.
type TransformerBlock struct {
	Norm1, Norm2 *LayerNorm
	Attn         *MultiHeadAttention
	NormCross    *LayerNorm          // nil without cross-attention
	Cross        *MultiHeadAttention // nil without cross-attention
	FF1, FF2     *Linear
	Drop         *Dropout
}

// NewTransformerBlock returns a block with model width dim, heads heads,
// feed-forward width ff (typically 4·dim), GELU activation and dropout
// rate; crossDim > 0 adds cross-attention to a context of that width.
func NewTransformerBlock(rngs *Rngs, dim, heads, ff, crossDim int, dropout float32) *TransformerBlock {
	b := &TransformerBlock{
		Norm1: NewLayerNorm(dim), Norm2: NewLayerNorm(dim),
		Attn: NewMultiHeadAttention(rngs, dim, dim, heads),
		FF1:  NewLinear(rngs, dim, ff), FF2: NewLinear(rngs, ff, dim),
		Drop: NewDropout(rngs, dropout),
	}
	if crossDim > 0 {
		b.NormCross = NewLayerNorm(dim)
		b.Cross = NewMultiHeadAttention(rngs, dim, crossDim, heads)
	}
	return b
}

func (b *TransformerBlock) feedForward(x *tensor.Tensor) *tensor.Tensor {
	return b.FF2.ForwardAct(tensor.GELU, b.FF1.Forward(b.Norm2.Forward(x)))
}

// Forward applies the block to x [B, L, dim]; context is [B, Lc, crossDim]
// for a block with cross-attention and must be nil for one without.
func (b *TransformerBlock) Forward(x, context *tensor.Tensor, causal bool) *tensor.Tensor {
	b.checkContext(context)
	h := b.Norm1.Forward(x)
	x = residual(x, b.Drop, b.Attn.Forward(h, h, nil, causal))
	return b.crossAndFeedForward(x, context)
}

// ForwardCached applies the block with causal self-attention to the newest
// positions x [B, T, dim], using and extending cache; context is as for
// Forward. The result equals the last T rows of a causal Forward over the
// whole sequence.
func (b *TransformerBlock) ForwardCached(x, context *tensor.Tensor, cache *KVCache) *tensor.Tensor {
	b.checkContext(context)
	x = residual(x, b.Drop, b.Attn.ForwardCached(b.Norm1.Forward(x), cache))
	return b.crossAndFeedForward(x, context)
}

// checkContext rejects a context given to a block without cross-attention,
// or missing for one with it, rather than silently skipping a layer.
func (b *TransformerBlock) checkContext(context *tensor.Tensor) {
	if b.Cross != nil && context == nil {
		panic("TransformerBlock: the block has cross-attention but no context was given")
	}
	if b.Cross == nil && context != nil {
		panic(fmt.Sprintf("TransformerBlock: context of shape %v given to a block without cross-attention", context.Shape()))
	}
}

func (b *TransformerBlock) crossAndFeedForward(x, context *tensor.Tensor) *tensor.Tensor {
	if b.Cross != nil {
		x = residual(x, b.Drop, b.Cross.Forward(b.NormCross.Forward(x), context, nil, false))
	}
	return residual(x, b.Drop, b.feedForward(x))
}

// residual returns x + drop(y); y and its dropped copy are the block's
// own intermediates and are released once added.
func residual(x *tensor.Tensor, drop *Dropout, y *tensor.Tensor) *tensor.Tensor {
	d := drop.Forward(y)
	out := tensor.Add(x, d)
	tensor.Release(d)
	tensor.Release(y)
	return out
}
