package tensor

import (
	"math"
	"testing"
)

// checkSecondOrderFD builds pen = |∂y/∂x|² for y = Σ w·op(x)², taking ∂y/∂x
// with Grad(createGraph=true), so that pen.Backward differentiates op's
// backward rule. The gradients of pen with respect to x and w must match
// central finite differences of pen.
func checkSecondOrderFD(t *testing.T, name string, op func(*Tensor) *Tensor, x *Tensor) {
	t.Helper()
	x.SetRequiresGrad(true)
	w := NewRngs(7).Stream("w").Normal(op(x).shape...).SetRequiresGrad(true)
	pen := func(createGraph bool) *Tensor {
		o := op(x)
		y := Sum(Mul(Mul(o, o), w))
		gx := Grad([]*Tensor{y}, []*Tensor{x}, createGraph)[0]
		return Sum(Mul(gx, gx))
	}
	x.ZeroGrad()
	w.ZeroGrad()
	pen(true).Backward()
	for k, in := range []*Tensor{x, w} {
		if in.Grad() == nil {
			t.Fatalf("%s: input %d got no second-order gradient", name, k)
		}
		for i := range in.data {
			orig := in.data[i]
			h := float32(1e-2)
			in.data[i] = orig + h
			fp := float64(pen(false).Item())
			in.data[i] = orig - h
			fm := float64(pen(false).Item())
			in.data[i] = orig
			num := (fp - fm) / (2 * float64(h))
			ana := float64(in.Grad().data[i])
			if math.Abs(num-ana) > 2e-2*math.Max(1, math.Abs(num)) {
				t.Errorf("%s: second order d/d input%d[%d]: analytic %.5f, numeric %.5f", name, k, i, ana, num)
				return
			}
		}
	}
}

func TestSecondOrderThroughShapeOps(t *testing.T) {
	checkSecondOrderFD(t, "Slice/Concat/Permute/Reshape", func(x *Tensor) *Tensor {
		h := Concat(1, Slice(x, 1, 1, 4, 2), x) // [3, 6]
		return Reshape(Permute(h, 1, 0), -1)    // [18]
	}, randn(1, 3, 4))
}
