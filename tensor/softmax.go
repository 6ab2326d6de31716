package tensor

import "github.com/artifex-go/artifex/internal/kernels"

// Softmax returns exp(x) normalised to sum 1 along axis, computed after
// subtracting each group's maximum so that no logit overflows.
func Softmax(x *Tensor, axis int) *Tensor {
	axis = x.axis(axis, "Softmax")
	out := softmaxForward(x, axis, false)
	return record(out, "Softmax", func(g *Tensor) []*Tensor {
		// dx = y·(g - Σ g·y)
		return []*Tensor{Mul(out, Sub(g, SumAxes(Mul(g, out), []int{axis}, true)))}
	}, x)
}

// LogSoftmax returns x - logsumexp(x) along axis, fused and stable.
func LogSoftmax(x *Tensor, axis int) *Tensor {
	axis = x.axis(axis, "LogSoftmax")
	out := softmaxForward(x, axis, true)
	return record(out, "LogSoftmax", func(g *Tensor) []*Tensor {
		// dx = g - softmax·Σ g
		return []*Tensor{Sub(g, Mul(Exp(out), SumAxes(g, []int{axis}, true)))}
	}, x)
}

// softmaxForward computes softmax (or log-softmax) over axis, viewing x as
// [outer, n, inner]. With inner = 1 each group is a contiguous row;
// otherwise the n entries of a group are inner apart and the loops run over
// inner-length rows so that memory is still read in order.
func softmaxForward(x *Tensor, axis int, log bool) *Tensor {
	n := x.shape[axis]
	inner := numel(x.shape[axis+1:])
	outer := numel(x.shape[:axis])
	out := uninit(x.shape)
	if n == 0 || len(x.data) == 0 {
		return out
	}
	block := n * inner
	if inner == 1 {
		kernels.Parallel(outer, max(1, parallelGrain/n), func(lo, hi int) {
			for o := lo; o < hi; o++ {
				softmaxRow(out.data[o*n:(o+1)*n], x.data[o*n:(o+1)*n], log)
			}
		})
		return out
	}
	kernels.Parallel(outer, max(1, parallelGrain/block), func(lo, hi int) {
		acc := make([]float32, 2*inner) // running max, then sum, per column
		mx, sum := acc[:inner], acc[inner:]
		for o := lo; o < hi; o++ {
			src, dst := x.data[o*block:(o+1)*block], out.data[o*block:(o+1)*block]
			copy(mx, src[:inner])
			for k := 1; k < n; k++ {
				for j, v := range src[k*inner : (k+1)*inner] {
					if v > mx[j] {
						mx[j] = v
					}
				}
			}
			clear(sum)
			for k := 0; k < n; k++ {
				d := dst[k*inner : (k+1)*inner]
				for j, v := range src[k*inner : (k+1)*inner] {
					e := kernels.Exp(v - mx[j])
					d[j] = e
					sum[j] += e
				}
			}
			if log {
				for j := range sum {
					sum[j] = kernels.Log(sum[j])
				}
				for k := 0; k < n; k++ {
					d := dst[k*inner : (k+1)*inner]
					for j, v := range src[k*inner : (k+1)*inner] {
						d[j] = (v - mx[j]) - sum[j]
					}
				}
				continue
			}
			for j := range sum {
				sum[j] = 1 / sum[j]
			}
			for k := 0; k < n; k++ {
				d := dst[k*inner : (k+1)*inner]
				for j := range d {
					d[j] *= sum[j]
				}
			}
		}
	})
	return out
}

// softmaxRow writes the softmax (or log-softmax) of one contiguous row.
func softmaxRow(dst, src []float32, log bool) {
	// With a NaN in the row every output is NaN, whatever the maximum.
	m := kernels.Max(src)
	dst = dst[:len(src)]
	kernels.AddScalar(dst, src, -m)
	kernels.ExpSlice(dst, dst)
	sum := kernels.Sum(dst)
	if log {
		// (v - m) - log(sum), not v - (m + log(sum)): the latter rounds
		// the log-sum-exp to the coarse resolution of large logits.
		ls := kernels.Log(sum)
		for i, v := range src {
			dst[i] = (v - m) - ls
		}
		return
	}
	kernels.MulScalar(dst, dst, 1/sum)
}
