package tensor

import (
	"fmt"
	"math"
	"testing"
)

func TestGatherValues(t *testing.T) {
	// torch.gather(torch.tensor([[1, 2], [3, 4]]), 1, torch.tensor([[0, 0], [1, 0]]))
	x := FromSlice([]float32{1, 2, 3, 4}, 2, 2)
	expectShapeData(t, "Gather axis 1", Gather(x, 1, []int{0, 0, 1, 0}, []int{2, 2}), []int{2, 2}, []float32{1, 1, 4, 3})
	// An index smaller than x picks from the leading corner on other axes.
	m := arangeShaped(3, 4)
	expectShapeData(t, "Gather axis 0", Gather(m, 0, []int{2, 0, 1}, []int{1, 3}), []int{1, 3}, []float32{8, 1, 6})
}

func TestScatterAddValues(t *testing.T) {
	// torch.zeros(3, 5).scatter_add(0, torch.tensor([[0, 1, 2, 0, 0]]), torch.ones(2, 5))
	got := ScatterAdd(Zeros(3, 5), 0, []int{0, 1, 2, 0, 0}, []int{1, 5}, Ones(2, 5))
	expectShapeData(t, "ScatterAdd", got, []int{3, 5}, []float32{
		1, 0, 0, 1, 1,
		0, 1, 0, 0, 0,
		0, 0, 1, 0, 0,
	})
	// Repeated indices accumulate.
	got = ScatterAdd(Ones(2, 2), 1, []int{1, 1, 0, 0}, []int{2, 2}, arangeShaped(2, 2))
	expectShapeData(t, "ScatterAdd repeats", got, []int{2, 2}, []float32{1, 2, 6, 1})
}

// randomGatherIndex returns an index of shape indexShape with values below n.
func randomGatherIndex(s *Stream, n int, indexShape []int) []int {
	idx := make([]int, numel(indexShape))
	for i := range idx {
		idx[i] = s.Intn(n)
	}
	return idx
}

func TestGatherScatterAddGradients(t *testing.T) {
	s := NewRngs(9).Stream("shape")
	for trial := range 6 {
		shape := randomShapeWithOnes(s, 3)
		axis := s.Intn(len(shape))
		ishape := make([]int, len(shape))
		for d := range ishape {
			ishape[d] = 1 + s.Intn(shape[d])
		}
		ishape[axis] = 1 + s.Intn(4) // may exceed x along axis
		index := randomGatherIndex(s, shape[axis], ishape)
		if trial%2 == 1 {
			axis -= len(shape)
		}
		name := fmt.Sprintf("%v axis %d index %v", shape, axis, ishape)
		checkGrad(t, "Gather "+name, func(xs []*Tensor) *Tensor {
			return Gather(xs[0], axis, index, ishape)
		}, randn(uint64(trial), shape...))
		srcShape := append([]int(nil), ishape...)
		srcShape[0]++ // entries outside the index shape are ignored and get zero gradient
		checkGrad(t, "ScatterAdd "+name, func(xs []*Tensor) *Tensor {
			return ScatterAdd(xs[0], axis, index, ishape, xs[1])
		}, randn(uint64(trial), shape...), randn(uint64(trial+50), srcShape...))
	}
	checkSecondOrderFD(t, "Gather", func(x *Tensor) *Tensor { return Gather(x, 1, []int{2, 2, 0, 1}, []int{2, 2}) }, randn(1, 2, 3))
	src := randn(2, 2, 2)
	checkSecondOrderFD(t, "ScatterAdd", func(x *Tensor) *Tensor {
		return ScatterAdd(src, 0, []int{1, 1, 0, 1}, []int{2, 2}, x)
	}, randn(3, 2, 2))
}

func TestGatherScatterAddBadIndexPanics(t *testing.T) {
	x := Zeros(2, 3)
	expectShapePanic(t, func() { Gather(x, 1, []int{0, 3}, []int{2, 1}) }, "Gather: index 3 at position 1 out of range for axis 1 of shape [2 3]")
	expectShapePanic(t, func() { Gather(x, 1, []int{0, 1, 2}, []int{3, 1}) }, "Gather", "[3 1]", "[2 3]", "axis 0")
	expectShapePanic(t, func() { Gather(x, 1, []int{0, 1}, []int{2}) }, "Gather", "[2]", "[2 3]", "rank")
	expectShapePanic(t, func() { Gather(x, 1, []int{0}, []int{2, 1}) }, "Gather", "1 indices", "[2 1]")
	expectShapePanic(t, func() { ScatterAdd(x, 0, []int{0, 5}, []int{1, 2}, Zeros(1, 2)) }, "ScatterAdd: index 5 at position 1 out of range for axis 0 of shape [2 3]")
	expectShapePanic(t, func() { ScatterAdd(x, 0, []int{0, 1}, []int{1, 2}, Zeros(1, 1)) }, "ScatterAdd", "[1 2]", "source shape [1 1]")
}

func TestEmbedding(t *testing.T) {
	w := arangeShaped(4, 2)
	got := Embedding(w, []int{3, 0, 3, 1}, 2, 2)
	expectShapeData(t, "Embedding", got, []int{2, 2, 2}, []float32{6, 7, 0, 1, 6, 7, 2, 3})
	if s := Embedding(w, []int{1}).shape; fmt.Sprint(s) != "[1 2]" {
		t.Errorf("Embedding without shape: %v, want [1 2]", s)
	}
	checkGrad(t, "Embedding", func(xs []*Tensor) *Tensor { return Embedding(xs[0], []int{2, 0, 2}, 3, 1) }, randn(1, 3, 2))
	expectShapePanic(t, func() { Embedding(w, []int{0, 4}) }, "Embedding: id 4 at position 1 out of range for vocabulary of 4")
	expectShapePanic(t, func() { Embedding(w, []int{0, 1, 2}, 2, 2) }, "Embedding", "3 ids", "[2 2]")
	expectShapePanic(t, func() { Embedding(Zeros(4), []int{0}) }, "Embedding", "[4]")
}

func TestOneHot(t *testing.T) {
	expectShapeData(t, "OneHot", OneHot([]int{2, 0}, 3), []int{2, 3}, []float32{0, 0, 1, 1, 0, 0})
	expectShapePanic(t, func() { OneHot([]int{0, 3}, 3) }, "OneHot: label 3 at position 1 out of range for 3 classes")
	expectShapePanic(t, func() { OneHot([]int{-1}, 3) }, "OneHot: label -1 at position 0")
}

func TestArgmaxArgmin(t *testing.T) {
	nan := float32(math.NaN())
	x := FromSlice([]float32{
		1, 5, 5,
		7, 0, 7,
		-1, nan, 2,
	}, 3, 3)
	for _, tc := range []struct {
		name string
		got  []int
		want string
	}{
		{"Argmax rows (ties to lower index, NaN largest)", Argmax(x, -1), "[1 0 1]"},
		{"Argmin rows (NaN smallest)", Argmin(x, 1), "[0 1 1]"},
		{"Argmax columns", Argmax(x, 0), "[1 2 1]"},
		{"Argmin columns", Argmin(x, 0), "[2 2 2]"},
		{"Argmax [2 1 2] axis 1", Argmax(arangeShaped(2, 1, 2), 1), "[0 0 0 0]"},
	} {
		if fmt.Sprint(tc.got) != tc.want {
			t.Errorf("%s = %v, want %s", tc.name, tc.got, tc.want)
		}
	}
	expectShapePanic(t, func() { Argmax(Zeros(2, 0), 1) }, "Argmax", "empty axis", "[2 0]")
}

func TestTopK(t *testing.T) {
	x := FromSlice([]float32{
		3, 1, 4, 1, 5,
		9, 2, 6, 5, 3,
	}, 2, 5)
	vals, idx := TopK(x, 3, -1)
	expectShapeData(t, "TopK values", vals, []int{2, 3}, []float32{5, 4, 3, 9, 6, 5})
	if fmt.Sprint(idx) != "[4 2 0 0 2 3]" {
		t.Errorf("TopK indices %v, want [4 2 0 0 2 3]", idx)
	}
	_, idx = TopK(x, 2, 0)
	if fmt.Sprint(idx) != "[1 1 1 1 0 0 0 0 0 1]" {
		t.Errorf("TopK along axis 0 indices %v", idx)
	}
	_, idx = TopK(FromSlice([]float32{1, 2, 1, 2}), 4, 0)
	if fmt.Sprint(idx) != "[1 3 0 2]" {
		t.Errorf("TopK ties %v, want [1 3 0 2] (lower index first)", idx)
	}
	expectShapePanic(t, func() { TopK(x, 6, 1) }, "TopK", "k=6", "[2 5]")
}

func TestTopKGradient(t *testing.T) {
	// Distinct values one apart so that the finite-difference steps cannot
	// reorder them.
	perm := NewRngs(4).Stream("perm").Permutation(12)
	x := empty([]int{3, 1, 4})
	for i, p := range perm {
		x.data[i] = float32(p) - 6
	}
	checkGrad(t, "TopK", func(xs []*Tensor) *Tensor { v, _ := TopK(xs[0], 2, -1); return v }, x)
	checkGrad(t, "TopK axis 0", func(xs []*Tensor) *Tensor { v, _ := TopK(xs[0], 3, 0); return v }, x.Clone())
}
