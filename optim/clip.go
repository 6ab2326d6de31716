package optim

import (
	"cmp"
	"math"
	"slices"
	"unsafe"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// GradNorm returns the L2 norm of all gradients of params taken together
// (accumulated in float64). Parameters without a gradient are ignored.
func GradNorm(params []nn.Param) float64 {
	var sum float64
	for _, p := range params {
		if g := p.Tensor.Grad(); g != nil {
			for _, v := range g.Data() {
				sum += float64(v) * float64(v)
			}
		}
	}
	return math.Sqrt(sum)
}

// ClipGradNorm scales all gradients by maxNorm/(norm+1e-6) when that factor
// is below 1, where norm is their global L2 norm, as torch.nn.utils.
// clip_grad_norm_ does, and returns the norm before clipping. A non-finite
// norm is returned as is and the gradients become non-finite too.
func ClipGradNorm(params []nn.Param, maxNorm float64) float64 {
	norm := GradNorm(params)
	coef := maxNorm / (norm + 1e-6)
	if coef < 1 || coef != coef {
		c := float32(coef)
		eachOwnedGrad(params, func(g []float32) {
			for i := range g {
				g[i] *= c
			}
		})
	}
	return norm
}

// ClipGradValue clamps every gradient element to [-clip, clip], as
// torch.nn.utils.clip_grad_value_ does.
func ClipGradValue(params []nn.Param, clip float64) {
	c := float32(clip)
	eachOwnedGrad(params, func(g []float32) {
		for i, v := range g {
			g[i] = min(max(v, -c), c)
		}
	})
}

// eachOwnedGrad calls fn on the storage of every gradient so that fn can
// modify it in place. Autodiff may hand several parameters the same
// gradient storage (the gradient of a+b reaches a and b as one tensor), so
// every gradient whose storage overlaps another's is first replaced by a
// private copy: no element is then modified twice.
func eachOwnedGrad(params []nn.Param, fn func(g []float32)) {
	type span struct {
		lo, hi uintptr
		t      *tensor.Tensor
	}
	var spans []span
	seen := make(map[*tensor.Tensor]bool, len(params))
	for _, p := range params {
		if g := p.Tensor.Grad(); g != nil && g.Size() > 0 && !seen[p.Tensor] {
			seen[p.Tensor] = true
			d := g.Data()
			lo := uintptr(unsafe.Pointer(unsafe.SliceData(d)))
			spans = append(spans, span{lo, lo + uintptr(len(d))*4, p.Tensor})
		}
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.lo, b.lo) })
	// In address order, a span that starts before the furthest end seen so
	// far overlaps an earlier one; copying it leaves the earlier one sole
	// owner of the shared storage. Copies are all made before fn runs.
	var end uintptr
	for _, s := range spans {
		if s.lo < end {
			s.t.SetGrad(s.t.Grad().Clone())
		}
		end = max(end, s.hi)
	}
	for _, s := range spans {
		fn(s.t.Grad().Data())
	}
}
