package nn

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/tensor"
)

// randn returns a deterministic standard-normal tensor for tests.
func randn(seed uint64, shape ...int) *tensor.Tensor {
	return NewRngs(seed).Stream("test").Normal(shape...)
}

// withInput returns the parameters of layer with x prepended under the
// name "x": what a gradient check through a layer differentiates.
func withInput(x *tensor.Tensor, layer Module) []Param {
	return append([]Param{{Name: "x", Tensor: x}}, Parameters(layer)...)
}

// checkGradients compares the gradients that backpropagation gives for
// every tensor of wrt with central finite differences of f. f's output is
// projected on a fixed random tensor so that every element of the Jacobian
// counts, and the projection is summed in float64 so that round-off stays
// well below the tolerance: an error of 1% of the gradient's scale, which a
// wrong formula exceeds by far.
func checkGradients(t *testing.T, name string, f func() *tensor.Tensor, wrt []Param) {
	t.Helper()
	const h = 1e-2
	for _, p := range wrt {
		p.Tensor.SetRequiresGrad(true)
		p.Tensor.ZeroGrad()
	}
	out := f()
	proj := NewRngs(99).Stream("proj").Normal(out.Shape()...)
	tensor.Sum(tensor.Mul(out, proj)).Backward()
	eval := func() float64 {
		var v float64
		tensor.NoGrad(func() {
			for i, o := range f().Data() {
				v += float64(o) * float64(proj.Data()[i])
			}
		})
		return v
	}
	for _, p := range wrt {
		g := p.Tensor.Grad()
		if g == nil {
			t.Errorf("%s: %s got no gradient", name, p.Name)
			continue
		}
		num := make([]float64, p.Tensor.Size())
		scale := 0.0
		d := p.Tensor.Data()
		for i := range d {
			orig := d[i]
			d[i] = orig + h
			fp := eval()
			d[i] = orig - h
			fm := eval()
			d[i] = orig
			num[i] = (fp - fm) / (2 * h)
			scale = max(scale, math.Abs(num[i]))
		}
		for i, n := range num {
			ana := float64(g.Data()[i])
			if math.Abs(n-ana) > 1e-2*max(scale, 1e-2)+1e-2*math.Abs(n) {
				t.Errorf("%s: d/d %s[%d]: backprop %.6f, finite differences %.6f (largest |gradient| %.4f)", name, p.Name, i, ana, n, scale)
				break
			}
		}
	}
}

// assertClose checks that got matches want elementwise within
// |got-want| ≤ atol + rtol·|want|.
func assertClose(t *testing.T, name string, got, want []float32, rtol, atol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	worst, at := 0.0, -1
	for i := range got {
		e := math.Abs(float64(got[i]) - float64(want[i]))
		if e > atol+rtol*math.Abs(float64(want[i])) && e > worst {
			worst, at = e, i
		}
	}
	if at >= 0 {
		t.Errorf("%s: element %d is %g, want %g (|error| %.3g > %g + %g·|want|)", name, at, got[at], want[at], worst, atol, rtol)
	}
}

// assertShape checks a tensor's shape.
func assertShape(t *testing.T, name string, x *tensor.Tensor, want ...int) {
	t.Helper()
	if !tensor.SameShape(x.Shape(), want) {
		t.Errorf("%s: shape %v, want %v", name, x.Shape(), want)
	}
}

// mustPanic checks that fn panics with a message containing want.
func mustPanic(t *testing.T, name, want string, fn func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("%s: no panic, want one mentioning %q", name, want)
			return
		}
		if msg := fmt.Sprint(r); !strings.Contains(msg, want) {
			t.Errorf("%s: panic %q does not mention %q", name, msg, want)
		}
	}()
	fn()
}
