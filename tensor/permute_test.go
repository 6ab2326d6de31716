package tensor

import (
	"fmt"
	"testing"
)

func TestPermuteArangeValues(t *testing.T) {
	// out[k][i][j] = x[i][j][k] = 12i + 4j + k
	expectShapeData(t, "Permute(2,0,1)", Permute(arangeShaped(2, 3, 4), 2, 0, 1), []int{4, 2, 3}, []float32{
		0, 4, 8, 12, 16, 20,
		1, 5, 9, 13, 17, 21,
		2, 6, 10, 14, 18, 22,
		3, 7, 11, 15, 19, 23,
	})
	expectShapeData(t, "Transpose 2-D", Transpose(arangeShaped(2, 3), 0, -1), []int{3, 2}, []float32{0, 3, 1, 4, 2, 5})
	expectShapeData(t, "Transpose last two", Transpose(arangeShaped(2, 2, 3), -1, -2), []int{2, 3, 2},
		[]float32{0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11})
	expectShapeData(t, "Permute keeping last", Permute(arangeShaped(2, 3, 2), 1, 0, 2), []int{3, 2, 2},
		[]float32{0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11})
}

// naivePermute is the definition: out[i...] = x[i permuted back], one
// element at a time.
func naivePermute(x *Tensor, perm []int) []float32 {
	nd := len(x.shape)
	outShape := make([]int, nd)
	for i, a := range perm {
		outShape[i] = x.shape[a]
	}
	st := contiguousStrides(x.shape)
	out := make([]float32, len(x.data))
	idx := make([]int, nd)
	for o := range out {
		rem := o
		for d := nd - 1; d >= 0; d-- {
			idx[d] = rem % outShape[d]
			rem /= outShape[d]
		}
		off := 0
		for d, a := range perm {
			off += idx[d] * st[a]
		}
		out[o] = x.data[off]
	}
	return out
}

// TestPermuteFastPathsMatchDefinition covers the blocked 2-D transpose
// (sizes that are not multiples of the tile), batched last-two swaps, row
// copies, the general strided copy and axis merging, against naivePermute.
func TestPermuteFastPathsMatchDefinition(t *testing.T) {
	cases := []struct {
		shape, perm []int
	}{
		{[]int{70, 45}, []int{1, 0}},
		{[]int{3, 40, 33}, []int{0, 2, 1}},
		{[]int{2, 3, 4, 5}, []int{0, 2, 3, 1}},
		{[]int{2, 3, 4, 5}, []int{0, 2, 1, 3}},
		{[]int{2, 3, 4, 5}, []int{3, 1, 2, 0}},
		{[]int{2, 1, 4, 1}, []int{3, 2, 1, 0}},
		{[]int{5, 1}, []int{1, 0}},
		{[]int{}, []int{}},
		{[]int{2, 0, 3}, []int{2, 0, 1}},
	}
	s := NewRngs(5).Stream("shape")
	for range 20 {
		shape := randomShapeWithOnes(s, 5)
		cases = append(cases, struct{ shape, perm []int }{shape, s.Permutation(len(shape))})
	}
	for _, tc := range cases {
		x := randn(1, tc.shape...)
		got := Permute(x, tc.perm...)
		want := naivePermute(x, tc.perm)
		for i := range want {
			if got.data[i] != want[i] {
				t.Fatalf("Permute(%v, %v) differs from the definition at %d", tc.shape, tc.perm, i)
			}
		}
	}
}

func TestPermuteGradients(t *testing.T) {
	s := NewRngs(6).Stream("shape")
	for trial := range 8 {
		shape := randomShapeWithOnes(s, 4)
		perm := s.Permutation(len(shape))
		for i := range perm {
			if s.Intn(2) == 0 {
				perm[i] -= len(shape) // negative axes name the same permutation
			}
		}
		checkGrad(t, fmt.Sprintf("Permute%v%v", shape, perm), func(xs []*Tensor) *Tensor {
			return Permute(xs[0], perm...)
		}, randn(uint64(trial), shape...))
	}
	checkGrad(t, "Transpose", func(xs []*Tensor) *Tensor { return Transpose(xs[0], -1, 0) }, randn(1, 3, 1, 4))
	checkSecondOrderFD(t, "Transpose", func(x *Tensor) *Tensor { return Transpose(x, 0, 2) }, randn(2, 2, 3, 2))
}

func TestPermuteBadPermutationPanics(t *testing.T) {
	x := Zeros(2, 3)
	expectShapePanic(t, func() { Permute(x, 0, 0) }, "Permute", "[0 0] is not a permutation", "[2 3]")
	expectShapePanic(t, func() { Permute(x, 0) }, "Permute", "[0]", "[2 3]")
	expectShapePanic(t, func() { Permute(x, 0, 2) }, "Permute", "axis 2", "[2 3]")
	expectShapePanic(t, func() { Transpose(x, 0, 3) }, "Transpose", "[2 3]")
}

func BenchmarkTranspose512(b *testing.B) {
	x := randn(1, 512, 512)
	for b.Loop() {
		Transpose(x, 0, 1)
	}
}
