package tensor

import "testing"

func TestEnableGradRecordsInsideNoGradAndRestoresIt(t *testing.T) {
	x := FromSlice([]float32{1, 2, 3}, 3).SetRequiresGrad(true)
	NoGrad(func() {
		NoGrad(func() {
			var g *Tensor
			EnableGrad(func() {
				if !GradEnabled() {
					t.Fatal("EnableGrad: recording is off inside fn")
				}
				y := Sum(Mul(x, x))
				g = Grad([]*Tensor{y}, []*Tensor{x}, false)[0]
			})
			for i, want := range []float32{2, 4, 6} {
				if g.Data()[i] != want {
					t.Errorf("d(Σx²)/dx[%d] = %g, want %g", i, g.Data()[i], want)
				}
			}
			if GradEnabled() {
				t.Error("recording is on after EnableGrad returned inside NoGrad")
			}
			if y := Mul(x, x); y.RequiresGrad() {
				t.Error("an op after EnableGrad recorded a graph inside NoGrad")
			}
		})
		if GradEnabled() {
			t.Error("the outer NoGrad was undone")
		}
	})
	if !GradEnabled() {
		t.Error("recording is off after the outer NoGrad")
	}
}
