package tensor

import (
	"math"
	"testing"
)

func TestSoftmaxGradients(t *testing.T) {
	for i, c := range []struct {
		shape []int
		axis  int
	}{{[]int{3, 4}, -1}, {[]int{3, 4}, 0}, {[]int{2, 3, 4}, 1}, {[]int{2, 1, 3}, 1}, {[]int{5}, 0}} {
		checkGrad(t, "Softmax", func(xs []*Tensor) *Tensor { return Softmax(xs[0], c.axis) }, randn(uint64(i), c.shape...))
		checkGrad(t, "LogSoftmax", func(xs []*Tensor) *Tensor { return LogSoftmax(xs[0], c.axis) }, randn(uint64(i), c.shape...))
	}
}

func TestSoftmaxValuesAlongEachAxis(t *testing.T) {
	x := FromSlice([]float32{1, 2, 3, 1000, 1000, -1000}, 2, 3)
	e := math.Exp
	z := 1 + e(1) + e(2)
	rows := []float64{1 / z, e(1) / z, e(2) / z, 0.5, 0.5, 0}
	for i, w := range rows {
		if g := Softmax(x, 1).data[i]; math.Abs(float64(g)-w) > 1e-6 {
			t.Errorf("Softmax axis 1 [%d] = %g, want %g", i, g, w)
		}
		lw := math.Log(w)
		if i == 5 {
			lw = -2000 - math.Ln2
		}
		if g := LogSoftmax(x, 1).data[i]; math.Abs(float64(g)-lw) > 1e-5*math.Max(1, math.Abs(lw)) {
			t.Errorf("LogSoftmax axis 1 [%d] = %g, want %g", i, g, lw)
		}
	}
	// Along axis 0 each column is a pair, and the groups are strided.
	cols := Softmax(x, 0).Data()
	if math.Abs(float64(cols[0]+cols[3])-1) > 1e-6 || cols[3] != 1 || cols[5] != 0 || cols[2] != 1 {
		t.Errorf("Softmax axis 0 = %v", cols)
	}
}

// Softmax over rows longer than a vector (the maximum is taken 16 values
// at a time): a masked entry (-Inf) gets 0, a row with a NaN is all NaN.
func TestSoftmaxRowsWithInfinitiesAndNaN(t *testing.T) {
	row := make([]float32, 40)
	for i := range row {
		row[i] = float32(i%7) - 3
	}
	row[5], row[33] = float32(math.Inf(-1)), float32(math.Inf(-1))
	nanRow := append([]float32(nil), row...)
	nanRow[20] = float32(math.NaN())
	s := Softmax(FromSlice(append(row, nanRow...), 2, 40), -1).Data()
	var sum float64
	for i, v := range s[:40] {
		sum += float64(v)
		if (i == 5 || i == 33) != (v == 0) {
			t.Fatalf("softmax[%d] = %g; want 0 exactly at the -Inf entries", i, v)
		}
	}
	if math.Abs(sum-1) > 1e-5 {
		t.Fatalf("row sums to %g", sum)
	}
	for i, v := range s[40:] {
		if v == v {
			t.Fatalf("row with a NaN: softmax[%d] = %g, want NaN", i, v)
		}
	}
}
