package ebm

import (
	"fmt"
	"slices"

	"github.com/artifex-go/artifex/tensor"
)

// ReplayBuffer holds the persistent chains of contrastive divergence
// (Du & Mordatch 2019): each training step starts its Langevin chains
// from past samples, except for a fraction drawn afresh from uniform
// noise, and stores where they ended. Samples is written as a ring. The
// buffer is model state: its tensors are part of nn.State, so a training
// checkpoint saves it and a resumed run continues the same chains.
type ReplayBuffer struct {
	// Samples [capacity, example shape...] holds the chains; rows at and
	// beyond Filled are unused.
	Samples *tensor.Tensor
	// Cursor holds [filled, next]: the number of valid rows and the row
	// the next push writes. Both are below 2^24, exact in float32.
	Cursor *tensor.Tensor

	reinit   float64
	lo, hi   float32
	rowSize  int
	capacity int
}

// NewReplayBuffer returns an empty buffer of capacity examples of the
// given shape whose fresh chains are uniform in [lo, hi] and drawn with
// probability reinit per example.
func NewReplayBuffer(capacity int, shape []int, reinit, lo, hi float64) (*ReplayBuffer, error) {
	if capacity < 0 {
		return nil, fmt.Errorf("parameter %q must be >= 0 (0: no buffer, every chain starts from noise), got %d", "replay_buffer_size", capacity)
	}
	if capacity >= 1<<24 {
		return nil, fmt.Errorf("parameter %q must be < %d, got %d", "replay_buffer_size", 1<<24, capacity)
	}
	if !(reinit >= 0 && reinit <= 1) {
		return nil, fmt.Errorf("parameter %q must be in [0, 1], got %g", "reinit_probability", reinit)
	}
	row := 1
	for _, d := range shape {
		row *= d
	}
	return &ReplayBuffer{
		Samples: tensor.Zeros(append([]int{capacity}, shape...)...),
		Cursor:  tensor.Zeros(2),
		reinit:  reinit, lo: float32(lo), hi: float32(hi), rowSize: row, capacity: capacity,
	}, nil
}

// Len returns the number of stored samples.
func (b *ReplayBuffer) Len() int { return int(b.Cursor.Data()[0]) }

// Capacity returns the most samples the buffer holds.
func (b *ReplayBuffer) Capacity() int { return b.capacity }

// Draw returns n chain starts [n, example shape...]: each is a uniformly
// chosen stored sample, or, with probability reinit (always while the
// buffer is empty), uniform noise. fresh counts the noise starts.
func (b *ReplayBuffer) Draw(n int, s *tensor.Stream) (x *tensor.Tensor, fresh int) {
	return b.draw(n, s, b.reinit)
}

// Stored returns n uniformly chosen stored samples, without the
// reinitialisation of training (uniform noise while the buffer is empty).
func (b *ReplayBuffer) Stored(n int, s *tensor.Stream) *tensor.Tensor {
	x, _ := b.draw(n, s, 0)
	return x
}

func (b *ReplayBuffer) draw(n int, s *tensor.Stream, reinit float64) (x *tensor.Tensor, fresh int) {
	shape := append([]int{n}, b.Samples.Shape()[1:]...)
	out := make([]float32, n*b.rowSize)
	stored, filled := b.Samples.Data(), b.Len()
	for i := range n {
		row := out[i*b.rowSize : (i+1)*b.rowSize]
		if filled == 0 || s.Float64() < reinit {
			b.noise(row, s)
			fresh++
			continue
		}
		j := s.Intn(filled)
		copy(row, stored[j*b.rowSize:(j+1)*b.rowSize])
	}
	return tensor.FromSlice(out, shape...), fresh
}

// Noise returns n examples of uniform noise in the data range.
func (b *ReplayBuffer) Noise(n int, s *tensor.Stream) *tensor.Tensor {
	out := make([]float32, n*b.rowSize)
	b.noise(out, s)
	return tensor.FromSlice(out, append([]int{n}, b.Samples.Shape()[1:]...)...)
}

func (b *ReplayBuffer) noise(dst []float32, s *tensor.Stream) {
	for i := range dst {
		dst[i] = b.lo + (b.hi-b.lo)*s.Float32()
	}
}

// Push stores the rows of x [n, example shape...], overwriting the oldest
// samples once the buffer is full.
func (b *ReplayBuffer) Push(x *tensor.Tensor) {
	if b.capacity == 0 {
		return
	}
	if x.Size()%b.rowSize != 0 || !slices.Equal(x.Shape()[1:], b.Samples.Shape()[1:]) {
		panic(fmt.Sprintf("ebm: replay buffer of %v examples cannot store a batch of shape %v", b.Samples.Shape()[1:], x.Shape()))
	}
	c := b.Cursor.Data()
	filled, next := int(c[0]), int(c[1])
	src, dst := x.Data(), b.Samples.Data()
	for i := range x.Dim(0) {
		copy(dst[next*b.rowSize:(next+1)*b.rowSize], src[i*b.rowSize:(i+1)*b.rowSize])
		next = (next + 1) % b.capacity
		filled = min(filled+1, b.capacity)
	}
	c[0], c[1] = float32(filled), float32(next)
}
