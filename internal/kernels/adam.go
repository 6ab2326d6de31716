package kernels

import "math"

// Adam is one Adam or AdamW update with its per-step constants, the
// arithmetic of torch.optim.Adam and AdamW for parameter w with gradient g:
//
//	g = g + L2·w                       (Adam's L2 penalty; 0 for AdamW)
//	m = B1·m + C1·g
//	v = B2·v + C2·g²
//	w = w·Shrink - StepSize · m / (√v·InvBC2 + Eps)   (Shrink: AdamW's decay; 1 for Adam)
//
// The assembly twin reads the fields by offset: keep their order.
type Adam struct {
	B1, C1, B2, C2   float32 // β1, 1-β1, β2, 1-β2
	StepSize, InvBC2 float32 // lr/(1-β1ᵗ), 1/√(1-β2ᵗ)
	Eps              float32
	L2, Shrink       float32
}

// Update applies the step in place to the weights w and the moments m and
// v, from the gradient g; all four have one length. It runs eight lanes at
// a time where the CPU has AVX and in Go for the rest; both give the same
// bits. A large tensor is split over the cores: the update streams seven
// values per weight through memory, more than one core's bandwidth.
func (k *Adam) Update(w, g, m, v []float32) {
	Parallel(len(w), adamGrain, func(lo, hi int) {
		n := lo + adamVector(k, w[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi])
		k.updateGo(w[n:hi], g[n:hi], m[n:hi], v[n:hi])
	})
}

// adamGrain is the weight count below which Update stays on one core.
const adamGrain = 1 << 15

// updateGo is the portable twin. The float32 conversions round every
// product on its own, forbidding fused multiply-adds, so the result does
// not depend on GOAMD64 and matches the vector version bit for bit.
func (k *Adam) updateGo(w, g, m, v []float32) {
	b1, c1, b2, c2 := k.B1, k.C1, k.B2, k.C2
	stepSize, invBC2, eps, l2, shrink := k.StepSize, k.InvBC2, k.Eps, k.L2, k.Shrink
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	for j, wj := range w {
		gj := g[j] + float32(l2*wj)
		mj := float32(b1*m[j]) + float32(c1*gj)
		vj := float32(b2*v[j]) + float32(float32(c2*gj)*gj)
		m[j], v[j] = mj, vj
		denom := float32(float32(math.Sqrt(float64(vj)))*invBC2) + eps
		w[j] = float32(wj*shrink) - float32(stepSize*(mj/denom))
	}
}
