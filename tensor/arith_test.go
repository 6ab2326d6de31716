package tensor

import (
	"strings"
	"testing"
)

func TestBroadcastArithmeticGradients(t *testing.T) {
	shapes := [][2][]int{
		{{3, 4}, {3, 4}},
		{{3, 4}, {4}},
		{{2, 3, 4}, {3, 1}},
		{{1, 4}, {3, 1}},
		{{2, 1, 4}, {1, 3, 1}},
		{{5}, {}},
	}
	ops := map[string]func(a, b *Tensor) *Tensor{"Add": Add, "Sub": Sub, "Mul": Mul, "Div": Div}
	for name, op := range ops {
		for i, s := range shapes {
			a, b := randn(uint64(i), s[0]...), randn(uint64(i+10), s[1]...)
			if name == "Div" {
				b = AddScalar(Mul(b, b), 0.5)
			}
			checkGrad(t, name, func(xs []*Tensor) *Tensor { return op(xs[0], xs[1]) }, a, b)
		}
	}
}

func TestBroadcastValues(t *testing.T) {
	a := FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	b := FromSlice([]float32{10, 20}, 2, 1)
	got := Add(a, b).Data()
	want := []float32{11, 12, 13, 24, 25, 26}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Add broadcast = %v, want %v", got, want)
		}
	}
}

func TestBroadcastMismatchPanicsWithShapes(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), "[2 3] and [4] do not broadcast") {
			t.Fatalf("panic = %v", r)
		}
	}()
	Add(Zeros(2, 3), Zeros(4))
}

func TestMatMulGradients(t *testing.T) {
	for _, tc := range []struct {
		a, b   []int
		ta, tb bool
	}{
		{[]int{3, 4}, []int{4, 5}, false, false},
		{[]int{4, 3}, []int{4, 5}, true, false},
		{[]int{3, 4}, []int{5, 4}, false, true},
		{[]int{4, 3}, []int{5, 4}, true, true},
		{[]int{2, 3, 4}, []int{4, 5}, false, false},
		{[]int{2, 3, 4}, []int{2, 4, 5}, false, false},
		{[]int{2, 4, 3}, []int{5, 4}, true, true},
		{[]int{3, 4}, []int{2, 4, 5}, false, false},
	} {
		checkGrad(t, "MatMulT", func(xs []*Tensor) *Tensor { return MatMulT(xs[0], xs[1], tc.ta, tc.tb) }, randn(1, tc.a...), randn(2, tc.b...))
	}
}

func TestMatMulMisalignedPanics(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), "matmul: shapes [3 4] and [5 6] do not align") {
			t.Fatalf("panic = %v", r)
		}
	}()
	MatMul(Zeros(3, 4), Zeros(5, 6))
}

func TestGradCreateGraphGivesDifferentiableGradient(t *testing.T) {
	// f(x) = sum(x*x*w); df/dx = 2xw; penalty = sum((df/dx)^2) = 4 sum(x²w²)
	// d penalty / dw = 8 x² w.
	x := FromSlice([]float32{1, 2, 3}).SetRequiresGrad(true)
	w := FromSlice([]float32{0.5, -1, 2}).SetRequiresGrad(true)
	y := Sum(Mul(Mul(x, x), w))
	gx := Grad([]*Tensor{y}, []*Tensor{x}, true)[0]
	pen := Sum(Mul(gx, gx))
	pen.Backward()
	for i, xv := range x.data {
		want := 8 * xv * xv * w.data[i]
		if got := w.Grad().data[i]; got != want {
			t.Errorf("d penalty/dw[%d] = %v, want %v", i, got, want)
		}
	}
}
