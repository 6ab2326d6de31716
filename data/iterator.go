package data

import (
	"fmt"
	"strconv"

	"github.com/artifex-go/artifex/tensor"
)

// BatchOptions configure an Iterator.
type BatchOptions struct {
	// Size is the number of images per batch; it must be positive.
	Size int
	// Shuffle, when not nil, gives each epoch its own random order. One
	// value is drawn from it when the iterator is made; the order of every
	// epoch then follows from that value and the epoch number alone.
	Shuffle *tensor.Stream
	// DropLast leaves out the last batch of an epoch when it is short.
	DropLast bool
	// Transform, when not nil, is applied to every batch of images.
	Transform Transform
}

// Batch is a batch of images, [B, C, H, W] unless a transform reshaped it,
// with their labels (nil for unlabelled data).
type Batch struct {
	Images *tensor.Tensor
	Labels []int
}

// IteratorState is where an Iterator stands, for checkpoints: restoring it
// with SetState makes the iterator serve the batches it would have served.
type IteratorState struct {
	Seed     uint64 `json:"seed"`     // the value the epoch orders derive from
	Shuffle  bool   `json:"shuffle"`  // whether epochs are shuffled
	Epoch    int    `json:"epoch"`    // the current epoch, from 0
	Position int    `json:"position"` // images of this epoch already served
	Len      int    `json:"len"`      // size of the data set, checked on restore
}

// Iterator serves a data set in batches, epoch after epoch.
type Iterator struct {
	d    *Dataset
	opts BatchOptions
	st   IteratorState
	perm []int // order of the current epoch; nil until needed or without shuffling
}

// NewIterator returns an iterator over d at the start of epoch 0.
func NewIterator(d *Dataset, opts BatchOptions) (*Iterator, error) {
	if opts.Size <= 0 {
		return nil, fmt.Errorf("data: batch size must be positive, got %d", opts.Size)
	}
	it := &Iterator{d: d, opts: opts, st: IteratorState{Shuffle: opts.Shuffle != nil, Len: d.Len()}}
	if it.BatchesPerEpoch() == 0 {
		return nil, fmt.Errorf("data: %d images give no batch of %d (drop last: %v)", d.Len(), opts.Size, opts.DropLast)
	}
	if opts.Shuffle != nil {
		it.st.Seed = opts.Shuffle.Uint64()
	}
	return it, nil
}

// BatchesPerEpoch returns the number of batches Next serves in one epoch.
func (it *Iterator) BatchesPerEpoch() int {
	n := it.d.Len()
	if it.opts.DropLast {
		return n / it.opts.Size
	}
	return (n + it.opts.Size - 1) / it.opts.Size
}

// Epoch returns the current epoch, counted from 0.
func (it *Iterator) Epoch() int { return it.st.Epoch }

// State returns the iterator's position, to be saved with a checkpoint.
func (it *Iterator) State() IteratorState { return it.st }

// SetState restores a position saved by State. The data set must have the
// length it had and shuffling must be on or off as it was.
func (it *Iterator) SetState(st IteratorState) error {
	n := it.d.Len()
	switch {
	case st.Len != n:
		return fmt.Errorf("data: iterator state is for %d images, this data set has %d", st.Len, n)
	case st.Shuffle != (it.opts.Shuffle != nil):
		return fmt.Errorf("data: iterator state has shuffle=%v, this iterator shuffle=%v", st.Shuffle, it.opts.Shuffle != nil)
	case st.Epoch < 0 || st.Position < 0 || st.Position > n:
		return fmt.Errorf("data: iterator state epoch %d position %d out of range for %d images", st.Epoch, st.Position, n)
	}
	it.st = st
	it.perm = nil
	return nil
}

// Next returns the next batch of the current epoch. At the end of an epoch
// it returns false and moves to the start of the next epoch, so that
//
//	for b, ok := it.Next(); ok; b, ok = it.Next() { ... }
//
// runs one epoch.
func (it *Iterator) Next() (Batch, bool) {
	n, size := it.d.Len(), it.opts.Size
	left := n - it.st.Position
	if left <= 0 || (it.opts.DropLast && left < size) {
		it.st.Epoch++
		it.st.Position = 0
		it.perm = nil
		return Batch{}, false
	}
	size = min(size, left)
	idx := make([]int, size)
	order := it.order()
	for j := range idx {
		if order != nil {
			idx[j] = order[it.st.Position+j]
		} else {
			idx[j] = it.st.Position + j
		}
	}
	it.st.Position += size
	images, labels := it.d.gather(idx)
	x := tensor.FromSlice(images, append([]int{size}, it.d.ImageShape()...)...)
	if it.opts.Transform != nil {
		x = it.opts.Transform(x)
	}
	return Batch{Images: x, Labels: labels}, true
}

// order returns the current epoch's permutation, nil without shuffling. The
// permutation depends only on the seed and the epoch, so a restored state
// reproduces it without replaying earlier epochs.
func (it *Iterator) order() []int {
	if !it.st.Shuffle {
		return nil
	}
	if it.perm == nil {
		s := tensor.NewRngs(it.st.Seed).Stream("epoch/" + strconv.Itoa(it.st.Epoch))
		it.perm = s.Permutation(it.d.Len())
	}
	return it.perm
}
