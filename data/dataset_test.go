package data

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/artifex-go/artifex/tensor"
)

// counting returns n one-pixel images whose value and label are their index.
func counting(t *testing.T, n int) *Dataset {
	t.Helper()
	images := make([]float32, n)
	labels := make([]int, n)
	for i := range images {
		images[i], labels[i] = float32(i), i
	}
	d, err := NewDataset(images, labels, 1, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestNewDatasetChecksShapes(t *testing.T) {
	_, err := NewDataset(make([]float32, 10), nil, 1, 2, 2)
	wantErr(t, err, "10 values", "2×2")
	_, err = NewDataset(make([]float32, 8), []int{1}, 1, 2, 2)
	wantErr(t, err, "1 labels for 2 images")
	_, err = NewDataset(nil, nil, 0, 2, 2)
	wantErr(t, err, "must be positive")
	d, err := NewDataset(make([]float32, 8), nil, 2, 2, 1)
	if err != nil || !equalInts(d.Shape(), []int{2, 2, 2, 1}) || d.Label(0) != -1 {
		t.Errorf("unlabelled data set: %v %v", d, err)
	}
	if (&Dataset{}).Len() != 0 {
		t.Error("zero Dataset has images")
	}
}

func TestSubsetCopiesInOrderAndSplitPartitions(t *testing.T) {
	d := counting(t, 10)
	s, err := d.Subset([]int{7, 2, 2})
	if err != nil {
		t.Fatal(err)
	}
	if !equalInts(s.Labels(), []int{7, 2, 2}) || !slices.Equal(s.Images().Data(), []float32{7, 2, 2}) {
		t.Errorf("subset labels %v images %v", s.Labels(), s.Images().Data())
	}
	_, err = d.Subset([]int{3, 10})
	wantErr(t, err, "index 10", "position 1", "10 images")

	head, tail, err := d.Split(8)
	if err != nil {
		t.Fatal(err)
	}
	if head.Len() != 8 || tail.Len() != 2 || tail.Label(0) != 8 || tail.Image(1)[0] != 9 {
		t.Errorf("split 8: head %d, tail %d labels %v", head.Len(), tail.Len(), tail.Labels())
	}
	_, _, err = d.Split(11)
	wantErr(t, err, "11 out of range")
}

// epoch collects the labels of one epoch's batches and their sizes.
func epoch(it *Iterator) (labels, sizes []int) {
	for b, ok := it.Next(); ok; b, ok = it.Next() {
		labels = append(labels, b.Labels...)
		sizes = append(sizes, b.Images.Dim(0))
	}
	return labels, sizes
}

func TestIteratorWithoutShuffleServesInOrder(t *testing.T) {
	it, err := NewIterator(counting(t, 7), BatchOptions{Size: 3})
	if err != nil {
		t.Fatal(err)
	}
	labels, sizes := epoch(it)
	if !equalInts(labels, []int{0, 1, 2, 3, 4, 5, 6}) || !equalInts(sizes, []int{3, 3, 1}) {
		t.Errorf("labels %v sizes %v", labels, sizes)
	}
	if it.Epoch() != 1 || it.BatchesPerEpoch() != 3 {
		t.Errorf("epoch %d, batches per epoch %d", it.Epoch(), it.BatchesPerEpoch())
	}
	b, _ := it.Next()
	if got := b.Images.Shape(); !equalInts(got, []int{3, 1, 1, 1}) {
		t.Errorf("batch shape %v, want [3 1 1 1]", got)
	}
}

func TestIteratorShufflesEachEpochDeterministically(t *testing.T) {
	d := counting(t, 50)
	run := func(seed uint64) [][]int {
		it, err := NewIterator(d, BatchOptions{Size: 8, Shuffle: tensor.NewRngs(seed).Stream("data")})
		if err != nil {
			t.Fatal(err)
		}
		var epochs [][]int
		for range 3 {
			labels, _ := epoch(it)
			epochs = append(epochs, labels)
		}
		return epochs
	}
	a, b, c := run(1), run(1), run(2)
	for e := range a {
		if !equalInts(a[e], b[e]) {
			t.Errorf("epoch %d differs between runs with the same seed", e)
		}
		sorted := slices.Sorted(slices.Values(a[e]))
		if !equalInts(sorted, counting(t, 50).Labels()) {
			t.Errorf("epoch %d does not serve every image once: %v", e, a[e])
		}
	}
	if equalInts(a[0], a[1]) || equalInts(a[0], c[0]) || slices.IsSorted(a[0]) {
		t.Error("epochs or seeds share an order, or the order is not shuffled")
	}
}

func TestIteratorDropLast(t *testing.T) {
	it, err := NewIterator(counting(t, 10), BatchOptions{Size: 4, DropLast: true, Shuffle: tensor.NewRngs(0).Stream("data")})
	if err != nil {
		t.Fatal(err)
	}
	for e := range 3 {
		labels, sizes := epoch(it)
		if !equalInts(sizes, []int{4, 4}) || len(labels) != 8 || it.Epoch() != e+1 {
			t.Errorf("epoch %d: sizes %v", e, sizes)
		}
	}
	_, err = NewIterator(counting(t, 3), BatchOptions{Size: 4, DropLast: true})
	wantErr(t, err, "no batch")
	_, err = NewIterator(counting(t, 3), BatchOptions{})
	wantErr(t, err, "batch size must be positive")
}

func TestIteratorResumesFromSavedState(t *testing.T) {
	d := counting(t, 23)
	opts := func(seed uint64) BatchOptions {
		return BatchOptions{Size: 5, Shuffle: tensor.NewRngs(seed).Stream("data")}
	}
	ref, _ := NewIterator(d, opts(7))
	var want [][]int
	var saved []byte
	for step := range 20 { // four epochs of five batches, the state saved in the middle of the second
		if step == 7 {
			saved, _ = json.Marshal(ref.State())
		}
		if b, ok := ref.Next(); ok {
			if step >= 7 {
				want = append(want, b.Labels)
			}
		} else if step >= 7 {
			want = append(want, nil)
		}
	}

	// A resumed run makes its iterator from a stream in another position,
	// then restores the checkpointed state.
	resumed, _ := NewIterator(d, opts(99))
	var st IteratorState
	if err := json.Unmarshal(saved, &st); err != nil {
		t.Fatal(err)
	}
	if err := resumed.SetState(st); err != nil {
		t.Fatal(err)
	}
	for i, w := range want {
		b, _ := resumed.Next()
		if !equalInts(b.Labels, w) {
			t.Fatalf("batch %d after resume: %v, want %v", i, b.Labels, w)
		}
	}
}

func TestIteratorSetStateRejectsForeignState(t *testing.T) {
	shuffled, _ := NewIterator(counting(t, 10), BatchOptions{Size: 2, Shuffle: tensor.NewRngs(0).Stream("data")})
	plain, _ := NewIterator(counting(t, 10), BatchOptions{Size: 2})
	wantErr(t, plain.SetState(shuffled.State()), "shuffle=true")
	other, _ := NewIterator(counting(t, 11), BatchOptions{Size: 2, Shuffle: tensor.NewRngs(0).Stream("data")})
	wantErr(t, other.SetState(shuffled.State()), "10 images", "has 11")
	st := shuffled.State()
	st.Position = 12
	wantErr(t, shuffled.SetState(st), "position 12")
}

func TestIteratorAppliesTransform(t *testing.T) {
	images := []float32{0, 0.25, 0.5, 1, 1, 0.75, 0.5, 0}
	d, _ := NewDataset(images, nil, 1, 2, 2)
	it, _ := NewIterator(d, BatchOptions{Size: 2, Transform: Compose(Signed(), Flatten())})
	b, _ := it.Next()
	if !equalInts(b.Images.Shape(), []int{2, 4}) || b.Labels != nil {
		t.Fatalf("shape %v labels %v", b.Images.Shape(), b.Labels)
	}
	if want := []float32{-1, -0.5, 0, 1, 1, 0.5, 0, -1}; !slices.Equal(b.Images.Data(), want) {
		t.Errorf("values %v, want %v", b.Images.Data(), want)
	}
	if images[1] != 0.25 {
		t.Error("transform modified the data set")
	}
}
