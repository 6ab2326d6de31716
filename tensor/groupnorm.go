package tensor

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/internal/kernels"
)

// GroupNorm normalises x [N, C, ...] over groups of C/groups channels and
// the trailing axes, then scales and shifts each channel by weight and bias
// [C] (Wu & He 2018): y = (x − μ)/√(σ² + eps)·w + b, with μ and σ² the
// (biased) mean and variance of each example's group. It is one pass over
// memory forward and two backward, where the composition of mean,
// subtraction, variance, scaling and shift makes a fresh tensor at every
// step in each direction.
func GroupNorm(x, weight, bias *Tensor, groups int, eps float32) *Tensor {
	return groupNorm(x, weight, bias, groups, eps, false)
}

// GroupNormSiLU is SiLU(GroupNorm(x, weight, bias, groups, eps)) in one
// op, the "normalise, then activate" of every residual block of a
// diffusion UNet.
func GroupNormSiLU(x, weight, bias *Tensor, groups int, eps float32) *Tensor {
	return groupNorm(x, weight, bias, groups, eps, true)
}

// gnGeom is the layout of a GroupNorm: n examples of groups groups, each
// group per channels of spatial values, contiguous.
type gnGeom struct {
	n, c, groups, per, spatial int
}

func (g gnGeom) block() int { return g.per * g.spatial }

func groupNorm(x, weight, bias *Tensor, groups int, eps float32, silu bool) *Tensor {
	op := "GroupNorm"
	if silu {
		op = "GroupNormSiLU"
	}
	if x.NDim() < 2 {
		panic(fmt.Sprintf("tensor: %s: input shape %v, want [N, C, ...]", op, x.shape))
	}
	c := x.shape[1]
	if weight.NDim() != 1 || weight.shape[0] != c || bias.NDim() != 1 || bias.shape[0] != c {
		panic(fmt.Sprintf("tensor: %s: weight %v and bias %v must both be [%d] for input %v", op, weight.shape, bias.shape, c, x.shape))
	}
	if groups <= 0 || c%groups != 0 {
		panic(fmt.Sprintf("tensor: %s: %d channels are not divisible into %d groups", op, c, groups))
	}
	g := gnGeom{n: x.shape[0], c: c, groups: groups, per: c / groups, spatial: numel(x.shape[2:])}
	out := uninit(x.shape)
	// mean and 1/σ of each (example, group), kept for the backward pass.
	stats := make([]float32, 2*g.n*groups)
	mean, rstd := stats[:g.n*groups], stats[g.n*groups:]
	w, b := weight.data, bias.data
	blk := g.block()
	kernels.Parallel(g.n*groups, max(1, parallelGrain/max(blk, 1)), func(lo, hi int) {
		for ng := lo; ng < hi; ng++ {
			src, dst := x.data[ng*blk:(ng+1)*blk], out.data[ng*blk:(ng+1)*blk]
			m, r := groupStats(src, eps)
			mean[ng], rstd[ng] = m, r
			c0 := (ng % groups) * g.per
			for k := range g.per {
				// z = (x − μ)·r·w + b = x·a + s
				a := r * w[c0+k]
				s := b[c0+k] - m*a
				xs, ys := src[k*g.spatial:(k+1)*g.spatial], dst[k*g.spatial:(k+1)*g.spatial]
				// Two vector passes over a channel in cache beat one
				// scalar pass; x·a is rounded before + s, as before.
				kernels.MulScalar(ys, xs, a)
				kernels.AddScalar(ys, ys, s)
				if silu {
					kernels.SiLUSlice(ys, ys)
				}
			}
		}
	})
	return record(out, op, func(grad *Tensor) []*Tensor {
		if GradEnabled() {
			return groupNormGradComposed(grad, x, weight, bias, groups, eps, silu)
		}
		return groupNormGrad(grad, x, weight, bias, g, mean, rstd, silu)
	}, x, weight, bias)
}

// groupStats returns the mean of v and 1/√(variance + eps), from Σv and
// Σv² summed in float64 in one pass, so the variance E[v²] − E[v]² keeps
// its precision for activations far from zero.
func groupStats(v []float32, eps float32) (mean, rstd float32) {
	if len(v) == 0 {
		return 0, float32(1 / math.Sqrt(float64(eps)))
	}
	s, q := kernels.SumSquares(v)
	n := float64(len(v))
	m := s / n
	variance := max(q/n-m*m, 0)
	return float32(m), float32(1 / math.Sqrt(variance+float64(eps)))
}

// groupNormGrad is the fused backward pass. With x̂ the normalised input,
// z = x̂·w + b and ∂z the gradient at z (grad, times SiLU′(z) when fused):
// ∂w = Σ ∂z·x̂, ∂b = Σ ∂z over examples and positions, and for each group
// of M values with d = ∂z·w, ∂x = r·(d − mean(d) − x̂·mean(d·x̂)).
func groupNormGrad(grad, x, weight, bias *Tensor, g gnGeom, mean, rstd []float32, silu bool) []*Tensor {
	dx := empty(x.shape)
	// Per-example partial sums of ∂w and ∂b, added up below, so that the
	// workers never write the same channel.
	part := make([]float32, 2*g.n*g.c)
	pw, pb := part[:g.n*g.c], part[g.n*g.c:]
	w, b := weight.data, bias.data
	blk := g.block()
	inv := 1 / float32(blk)
	kernels.Parallel(g.n*g.groups, max(1, parallelGrain/max(blk, 1)), func(lo, hi int) {
		for ng := lo; ng < hi; ng++ {
			src, gy, d := x.data[ng*blk:(ng+1)*blk], grad.data[ng*blk:(ng+1)*blk], dx.data[ng*blk:(ng+1)*blk]
			m, r := mean[ng], rstd[ng]
			nIdx, c0 := ng/g.groups, (ng%g.groups)*g.per
			var sd, sdx float32 // Σ d and Σ d·x̂ over the group
			for k := range g.per {
				ch := c0 + k
				wc, bc := w[ch], b[ch]
				xs, gs, ds := src[k*g.spatial:(k+1)*g.spatial], gy[k*g.spatial:(k+1)*g.spatial], d[k*g.spatial:(k+1)*g.spatial]
				gz := gs // the gradient at z
				if silu {
					// grad·SiLU'(z), of the whole channel from the vector
					// kernel, into ds.
					a := r * wc
					kernels.MulScalar(ds, xs, a)
					kernels.AddScalar(ds, ds, bc-m*a) // z as the forward pass rounded it
					kernels.SiLUGrad(ds, gs, ds)
					gz = ds
				}
				// Σ ∂z·x̂ and Σ ∂z; with d = ∂z·w, Σd and Σd·x̂ follow.
				sw, sb := kernels.CenteredDot(xs, gz, m, r)
				kernels.MulScalar(ds, gz, wc)
				sd += sb * wc
				sdx += sw * wc
				pw[nIdx*g.c+ch] += sw
				pb[nIdx*g.c+ch] += sb
			}
			// ∂x = r·(d − mean(d) − x̂·mean(d·x̂)) with x̂ = (x − m)·r:
			// r·d − r²·mean(d·x̂)·x + r·(r·m·mean(d·x̂) − mean(d)).
			md, mdx := sd*inv, sdx*inv
			kernels.AffineCombine(d, src, r, -r*r*mdx, r*(r*m*mdx-md))
		}
	})
	dw, db := empty(weight.shape), empty(bias.shape)
	for n := range g.n {
		for ch := range g.c {
			dw.data[ch] += pw[n*g.c+ch]
			db.data[ch] += pb[n*g.c+ch]
		}
	}
	return []*Tensor{dx, dw, db}
}

// groupNormGradComposed is the backward pass built from differentiable
// ops, for gradients that are themselves differentiated (Grad with
// createGraph): the same formulas as groupNormGrad, recorded.
func groupNormGradComposed(grad, x, weight, bias *Tensor, groups int, eps float32, silu bool) []*Tensor {
	n, c := x.shape[0], x.shape[1]
	cs := make([]int, x.NDim())
	for i := range cs {
		cs[i] = 1
	}
	cs[1] = c
	xr := Reshape(x, n, groups, -1)
	mean := MeanAxes(xr, []int{-1}, true)
	xc := Sub(xr, mean)
	rstd := Rsqrt(AddScalar(MeanAxes(Square(xc), []int{-1}, true), eps))
	xhat := Reshape(Mul(xc, rstd), x.shape...)
	w, b := Reshape(weight, cs...), Reshape(bias, cs...)
	gz := grad
	if silu {
		z := Add(Mul(xhat, w), b)
		s := Sigmoid(z)
		gz = Mul(grad, Mul(s, AddScalar(Mul(z, AddScalar(Neg(s), 1)), 1)))
	}
	dw := Reshape(SumTo(Mul(gz, xhat), cs), c)
	db := Reshape(SumTo(gz, cs), c)
	d := Reshape(Mul(gz, w), n, groups, -1)
	xh := Reshape(xhat, n, groups, -1)
	dx := Mul(rstd, Sub(Sub(d, MeanAxes(d, []int{-1}, true)), Mul(xh, MeanAxes(Mul(d, xh), []int{-1}, true))))
	return []*Tensor{Reshape(dx, x.shape...), dw, db}
}
