package geometric

import (
	"math"

	"github.com/artifex-go/artifex/tensor"
)

// pairwiseSq returns the squared distances [B, N, M] between the points
// of x [B, N, D] and y [B, M, D].
func pairwiseSq(x, y *tensor.Tensor) *tensor.Tensor {
	xx := tensor.SumAxes(tensor.Square(x), []int{2}, true) // [B, N, 1]
	yy := tensor.SumAxes(tensor.Square(y), []int{2}, true) // [B, M, 1]
	xy := tensor.MatMulT(x, y, false, true)                // [B, N, M]
	d := tensor.Add(tensor.Sub(xx, tensor.Scale(xy, 2)), tensor.Transpose(yy, 1, 2))
	return tensor.ReLU(d) // rounding can make a zero distance slightly negative
}

// ChamferLoss returns the symmetric Chamfer distance between point sets
// x [B, N, D] and y [B, M, D], averaged over the batch: the mean squared
// distance from each point of x to its nearest point of y plus the same
// from y to x.
func ChamferLoss(x, y *tensor.Tensor) *tensor.Tensor {
	d := pairwiseSq(x, y)
	a := tensor.Mean(tensor.MinAxes(d, []int{2}, false))
	b := tensor.Mean(tensor.MinAxes(d, []int{1}, false))
	return tensor.Add(a, b)
}

// SinkhornLoss approximates the earth mover's distance between point sets
// x [B, N, D] and y [B, M, D] of uniform weights, averaged over the batch:
// the transport cost Σ P_ij ‖x_i − y_j‖ of the entropy-regularised optimal
// plan P (Cuturi 2013), found by iters log-domain Sinkhorn iterations with
// regularisation eps (in the units of the distances). The plan is computed
// without gradients and the loss differentiated through the costs only,
// which by the envelope theorem is the gradient of the regularised
// transport cost.
func SinkhornLoss(x, y *tensor.Tensor, eps float64, iters int) *tensor.Tensor {
	cost := tensor.Sqrt(tensor.AddScalar(pairwiseSq(x, y), 1e-9))
	plan := sinkhornPlan(cost.Detach(), eps, iters)
	return tensor.Scale(tensor.Sum(tensor.Mul(plan, cost)), 1/float32(x.Dim(0)))
}

// sinkhornPlan returns the entropic transport plan [B, N, M] for costs
// [B, N, M] between uniform marginals, in float64 for stability.
func sinkhornPlan(cost *tensor.Tensor, eps float64, iters int) *tensor.Tensor {
	b, n, m := cost.Dim(0), cost.Dim(1), cost.Dim(2)
	c := cost.Data()
	out := make([]float32, len(c))
	f := make([]float64, n)
	g := make([]float64, m)
	logA, logB := -math.Log(float64(n)), -math.Log(float64(m))
	row := make([]float64, max(n, m))
	lse := func(v []float64) float64 {
		mx := math.Inf(-1)
		for _, x := range v {
			mx = math.Max(mx, x)
		}
		s := 0.0
		for _, x := range v {
			s += math.Exp(x - mx)
		}
		return mx + math.Log(s)
	}
	for k := range b {
		cb := c[k*n*m : (k+1)*n*m]
		clear(f)
		clear(g)
		for range iters {
			for i := range n {
				for j := range m {
					row[j] = (g[j]-float64(cb[i*m+j]))/eps + logB
				}
				f[i] = -eps * lse(row[:m])
			}
			for j := range m {
				for i := range n {
					row[i] = (f[i]-float64(cb[i*m+j]))/eps + logA
				}
				g[j] = -eps * lse(row[:n])
			}
		}
		for i := range n {
			for j := range m {
				out[k*n*m+i*m+j] = float32(math.Exp((f[i]+g[j]-float64(cb[i*m+j]))/eps + logA + logB))
			}
		}
	}
	return tensor.FromSlice(out, b, n, m)
}
