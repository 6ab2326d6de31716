package tensor

import (
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/artifex-go/artifex/internal/kernels"
)

// LayerNorm normalises x over its trailing weight.NDim() axes to zero mean
// and unit (biased) variance, (x - mean)/√(var + eps), then scales by
// weight and shifts by bias (nil for none), as PyTorch's layer_norm.
//
// It is one op: the backward pass keeps x alone, where the same formula
// written with elementwise ops would keep the centred values, the squares,
// the normalised values and the scaled ones, four tensors of x's size.
func LayerNorm(x, weight, bias *Tensor, eps float32) *Tensor {
	shape := weight.shape
	k := len(shape)
	if k == 0 || x.NDim() < k || !SameShape(x.shape[x.NDim()-k:], shape) || (bias != nil && !SameShape(bias.shape, shape)) {
		panic(fmt.Sprintf("LayerNorm: input %v does not end in the weight's shape %v (bias %v)", x.shape, shape, shapeOf(bias)))
	}
	axes := make([]int, k)
	for i := range axes {
		axes[i] = x.NDim() - k + i
	}
	out := layerNormRows(x, weight, bias, eps)
	return record(out, "LayerNorm", func(g *Tensor) []*Tensor {
		if !GradEnabled() {
			return layerNormGrad(g, x, weight, bias, eps)
		}
		return composedNormGrad(g, x, weight, weight, bias, axes, eps, func(t *Tensor) *Tensor { return SumTo(t, shape) })
	}, x, weight, bias)
}

// layerNormRows is LayerNorm's forward pass: each row of weight.Size()
// trailing values gets its mean and 1/√(var + eps) in one float64 pass
// (groupStats) and is normalised, scaled and shifted by vector passes over
// the row while it is in cache.
func layerNormRows(x, weight, bias *Tensor, eps float32) *Tensor {
	n := weight.Size()
	out := uninit(x.shape) // every row written
	w := weight.data
	var b []float32
	if bias != nil {
		b = bias.data
	}
	kernels.Parallel(x.Size()/n, max(1, parallelGrain/n), func(lo, hi int) {
		for row := lo; row < hi; row++ {
			src, dst := x.data[row*n:(row+1)*n], out.data[row*n:(row+1)*n]
			m, r := groupStats(src, eps)
			kernels.AddScalar(dst, src, -m) // x - m, as IEEE defines x + (-m)
			kernels.MulScalar(dst, dst, r)
			kernels.Mul(dst, dst, w)
			if b != nil {
				kernels.Add(dst, dst, b)
			}
		}
	})
	return out
}

// layerNormGrad is LayerNorm's backward pass when it is not itself
// recorded: per row, with x̂ = (x − m)·r and h = g·w,
// dx = r·(h − mean(h) − x̂·mean(h·x̂)), by vector passes over the row in
// cache; dweight = Σ g·x̂ and dbias = Σ g over the rows, summed per worker
// and then in the workers' order, so the result does not depend on
// timing.
func layerNormGrad(g, x, weight, bias *Tensor, eps float32) []*Tensor {
	n := weight.Size()
	dx := uninit(x.shape) // every row written
	w := weight.data
	var mu sync.Mutex
	parts := map[int][]float32{} // first row of a worker's range → its Σ g·x̂ and Σ g
	kernels.Parallel(x.Size()/n, max(1, parallelGrain/n), func(lo, hi int) {
		part := make([]float32, 2*n)
		pw, pb := part[:n], part[n:]
		scratch := make([]float32, 2*n)
		xh, s := scratch[:n], scratch[n:]
		for row := lo; row < hi; row++ {
			xs, gs, ds := x.data[row*n:(row+1)*n], g.data[row*n:(row+1)*n], dx.data[row*n:(row+1)*n]
			m, r := groupStats(xs, eps) // as the forward pass computed them
			kernels.AddScalar(xh, xs, -m)
			kernels.MulScalar(xh, xh, r)
			kernels.Mul(ds, gs, w) // h
			mh := kernels.Sum(ds) / float32(n)
			kernels.Mul(s, ds, xh)
			mhx := kernels.Sum(s) / float32(n)
			kernels.Mul(s, gs, xh)
			kernels.Add(pw, pw, s)
			kernels.Add(pb, pb, gs)
			kernels.MulScalar(s, xh, mhx)
			kernels.Sub(ds, ds, s)
			kernels.AddScalar(ds, ds, -mh)
			kernels.MulScalar(ds, ds, r)
		}
		mu.Lock()
		parts[lo] = part
		mu.Unlock()
	})
	dw, db := empty(weight.shape), empty(weight.shape)
	for _, lo := range slices.Sorted(maps.Keys(parts)) {
		kernels.Add(dw.data, dw.data, parts[lo][:n])
		kernels.Add(db.data, db.data, parts[lo][n:])
	}
	return wantedGrads(x, weight, bias, dx, dw, db)
}

// composedNormGrad is the backward rule of a normalisation over axes with
// a scale and shift, written with ops on x so that a recorded pass
// differentiates the statistics too. With x̂ = (x - mean)·r,
// r = 1/√(var + eps) and h = g·w (w is weight broadcast against x):
// dx = r·(h - mean(h) - x̂·mean(h·x̂)), dweight = Σ g·x̂, dbias = Σ g,
// the sums taken by sum down to the weight's shape.
func composedNormGrad(g, x, w, weight, bias *Tensor, axes []int, eps float32, sum func(*Tensor) *Tensor) []*Tensor {
	xc, r := centred(x, axes, eps)
	xhat, h := Mul(xc, r), Mul(g, w)
	var gx, gw, gb *Tensor
	if x.requiresGrad {
		gx = Mul(r, Sub(Sub(h, MeanAxes(h, axes, true)), Mul(xhat, MeanAxes(Mul(h, xhat), axes, true))))
	}
	if weight.requiresGrad {
		gw = sum(Mul(g, xhat))
	}
	if bias != nil && bias.requiresGrad {
		gb = sum(g)
	}
	return []*Tensor{gx, gw, gb}
}

// wantedGrads returns the gradients of a normalisation's x, weight and
// bias, nil for those that need none.
func wantedGrads(x, weight, bias, dx, dw, db *Tensor) []*Tensor {
	grads := []*Tensor{nil, nil, nil}
	if x.requiresGrad {
		grads[0] = dx
	}
	if weight.requiresGrad {
		grads[1] = dw
	}
	if bias != nil && bias.requiresGrad {
		grads[2] = db
	}
	return grads
}

// centred returns x - mean and 1/√(var + eps) over axes.
func centred(x *Tensor, axes []int, eps float32) (xc, r *Tensor) {
	xc = Sub(x, MeanAxes(x, axes, true))
	return xc, Rsqrt(AddScalar(MeanAxes(Square(xc), axes, true), eps))
}

// shapeOf returns t's shape, or nil for a nil tensor.
func shapeOf(t *Tensor) []int {
	if t == nil {
		return nil
	}
	return t.shape
}
