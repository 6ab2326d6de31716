package tensor

import (
	"fmt"
	"math"

	"github.com/artifex-go/artifex/internal/kernels"
)

// BatchNorm normalises x [N, C, ...] per channel with the batch's
// statistics over every axis but the channel's, (x - mean)/√(var + eps)
// with the biased variance, then scales by weight [C] and shifts by bias
// [C] (nil for none), as PyTorch's batch_norm in training mode. It also
// returns each channel's mean and biased variance, for running statistics.
//
// It is one op: the backward pass keeps x alone, where the formula written
// with elementwise ops keeps the centred, squared, normalised and scaled
// values, four tensors of x's size.
func BatchNorm(x, weight, bias *Tensor, eps float32) (out *Tensor, mean, variance []float32) {
	if x.NDim() < 2 || weight.NDim() != 1 || weight.shape[0] != x.shape[1] || (bias != nil && !SameShape(bias.shape, weight.shape)) {
		panic(fmt.Sprintf("BatchNorm: input %v needs [N, C, ...] with weight [C] (weight %v, bias %v)", x.shape, weight.shape, shapeOf(bias)))
	}
	n, c := x.shape[0], x.shape[1]
	s := x.Size() / max(n*c, 1)
	mean, rstd := make([]float32, c), make([]float32, c)
	variance = make([]float32, c)
	out = uninit(x.shape)
	kernels.Parallel(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			var sum, sq float64
			for i := range n {
				for _, v := range x.data[(i*c+ch)*s:][:s] {
					sum += float64(v)
					sq += float64(v) * float64(v)
				}
			}
			m := sum / float64(n*s)
			v := max(sq/float64(n*s)-m*m, 0)
			mean[ch], variance[ch] = float32(m), float32(v)
			rstd[ch] = float32(1 / math.Sqrt(v+float64(eps)))
			a, sh := rstd[ch]*weight.data[ch], float32(0)
			if bias != nil {
				sh = bias.data[ch]
			}
			for i := range n {
				src, dst := x.data[(i*c+ch)*s:][:s], out.data[(i*c+ch)*s:][:s]
				kernels.AddScalar(dst, src, -mean[ch])
				kernels.MulScalar(dst, dst, a)
				kernels.AddScalar(dst, dst, sh)
			}
		}
	})
	axes := make([]int, 0, x.NDim()-1)
	for i := range x.NDim() {
		if i != 1 {
			axes = append(axes, i)
		}
	}
	cs := make([]int, x.NDim())
	for i := range cs {
		cs[i] = 1
	}
	cs[1] = c
	out = record(out, "BatchNorm", func(g *Tensor) []*Tensor {
		if !GradEnabled() {
			return batchNormGrad(g, x, weight, bias, mean, rstd)
		}
		return composedNormGrad(g, x, Reshape(weight, cs...), weight, bias, axes, eps, func(t *Tensor) *Tensor { return Reshape(SumTo(t, cs), c) })
	}, x, weight, bias)
	return out, mean, variance
}

// batchNormGrad is BatchNorm's backward pass when it is not itself
// recorded: per channel, Σ g and Σ g·x̂ over its values, then
// dx = r·w·(g - Σg/M - x̂·Σ(g·x̂)/M), dweight = Σ g·x̂, dbias = Σ g. Each
// worker owns whole channels, so the sums do not depend on timing.
func batchNormGrad(g, x, weight, bias *Tensor, mean, rstd []float32) []*Tensor {
	n, c := x.shape[0], x.shape[1]
	s := x.Size() / max(n*c, 1)
	count := float32(n * s)
	dx := uninit(x.shape)
	dw, db := empty(weight.shape), empty(weight.shape)
	kernels.Parallel(c, 1, func(lo, hi int) {
		xh, tmp := make([]float32, s), make([]float32, s)
		for ch := lo; ch < hi; ch++ {
			var sg, sgx float64
			for i := range n {
				off := (i*c + ch) * s
				kernels.AddScalar(xh, x.data[off:off+s], -mean[ch])
				kernels.MulScalar(xh, xh, rstd[ch])
				gs := g.data[off : off+s]
				sg += float64(kernels.Sum(gs))
				kernels.Mul(tmp, gs, xh)
				sgx += float64(kernels.Sum(tmp))
			}
			dw.data[ch], db.data[ch] = float32(sgx), float32(sg)
			mg, mgx, a := float32(sg)/count, float32(sgx)/count, rstd[ch]*weight.data[ch]
			for i := range n {
				off := (i*c + ch) * s
				kernels.AddScalar(xh, x.data[off:off+s], -mean[ch])
				kernels.MulScalar(xh, xh, rstd[ch])
				kernels.MulScalar(tmp, xh, mgx)
				ds := dx.data[off : off+s]
				kernels.Sub(ds, g.data[off:off+s], tmp)
				kernels.AddScalar(ds, ds, -mg)
				kernels.MulScalar(ds, ds, a)
			}
		}
	})
	return wantedGrads(x, weight, bias, dx, dw, db)
}
