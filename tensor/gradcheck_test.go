package tensor

import (
	"math"
	"testing"
)

// checkGrad compares the analytic gradients of f with central finite
// differences. f's output is projected on a fixed random tensor so that
// every element of the Jacobian is exercised, and the check runs in float64
// on the perturbation side to keep round-off below the tolerance.
func checkGrad(t *testing.T, name string, f func(xs []*Tensor) *Tensor, inputs ...*Tensor) {
	t.Helper()
	for _, in := range inputs {
		in.SetRequiresGrad(true)
		in.ZeroGrad()
	}
	out := f(inputs)
	proj := NewRngs(99).Stream("proj").Normal(out.shape...)
	loss := Sum(Mul(out, proj))
	loss.Backward()
	eval := func() float64 {
		var v float64
		NoGrad(func() {
			o := f(inputs)
			for i, x := range o.data {
				v += float64(x) * float64(proj.data[i])
			}
		})
		return v
	}
	for k, in := range inputs {
		if in.grad == nil {
			t.Fatalf("%s: input %d got no gradient", name, k)
		}
		for i := range in.data {
			orig := in.data[i]
			h := float32(1e-2) * max(1, float32(math.Abs(float64(orig))))
			in.data[i] = orig + h
			fp := eval()
			in.data[i] = orig - h
			fm := eval()
			in.data[i] = orig
			num := (fp - fm) / (2 * float64(h))
			ana := float64(in.grad.data[i])
			if math.Abs(num-ana) > 2e-2*math.Max(1, math.Abs(num)) {
				t.Errorf("%s: d/d input%d[%d]: analytic %.5f, numeric %.5f", name, k, i, ana, num)
				return
			}
		}
	}
}

// randn returns a deterministic normal tensor for tests.
func randn(seed uint64, shape ...int) *Tensor {
	return NewRngs(seed).Stream("test").Normal(shape...)
}
