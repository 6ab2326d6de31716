package tensor

import (
	"math"
	"testing"
)

// wellConditioned returns a random n×n matrix plus 3·I, far from singular.
func wellConditioned(seed uint64, n int) *Tensor {
	a := randn(seed, n, n)
	for i := 0; i < n; i++ {
		a.data[i*n+i] += 3
	}
	return a
}

func TestInverseTimesMatrixIsIdentity(t *testing.T) {
	a := wellConditioned(1, 5)
	p := MatMul(a, Inverse(a))
	for i := 0; i < 5; i++ {
		for j := 0; j < 5; j++ {
			want := 0.0
			if i == j {
				want = 1
			}
			if got := float64(p.At(i, j)); math.Abs(got-want) > 1e-5 {
				t.Fatalf("(A·A⁻¹)[%d][%d] = %v, want %v", i, j, got, want)
			}
		}
	}
}

func TestLogAbsDetMatchesKnownDeterminants(t *testing.T) {
	// det [[0 2] [3 1]] = -6 needs a pivot; det diag(2, -0.5, 4) = -4.
	for _, c := range []struct {
		a    *Tensor
		want float64
	}{
		{FromSlice([]float32{0, 2, 3, 1}, 2, 2), math.Log(6)},
		{FromSlice([]float32{2, 0, 0, 0, -0.5, 0, 0, 0, 4}, 3, 3), math.Log(4)},
	} {
		if got := float64(LogAbsDet(c.a).Item()); math.Abs(got-c.want) > 1e-6 {
			t.Errorf("LogAbsDet(%v) = %v, want %v", c.a, got, c.want)
		}
	}
	if got := LogAbsDet(Zeros(2, 2)).Item(); !math.IsInf(float64(got), -1) {
		t.Errorf("LogAbsDet of a singular matrix = %v, want -Inf", got)
	}
}

func TestInverseAndLogAbsDetGradients(t *testing.T) {
	checkGrad(t, "Inverse", func(xs []*Tensor) *Tensor { return Inverse(xs[0]) }, wellConditioned(2, 4))
	checkGrad(t, "LogAbsDet", func(xs []*Tensor) *Tensor { return LogAbsDet(xs[0]) }, wellConditioned(3, 4))
}

func TestInverseOfNonSquareOrSingularPanics(t *testing.T) {
	expectPanic(t, []string{"Inverse", "square", "[2 3]"}, func() { Inverse(Zeros(2, 3)) })
	expectPanic(t, []string{"Inverse", "singular"}, func() { Inverse(Zeros(2, 2)) })
}
