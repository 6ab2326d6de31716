package tensor

import (
	"cmp"
	"math"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/artifex-go/artifex/internal/goroutine"
)

// Arena recycles the float32 buffers of the tensors a training step makes,
// so that the next step reuses them instead of asking the collector for
// fresh, zeroed memory. Without it a step's hundreds of megabytes of
// temporaries become garbage at once: the collector runs every step or
// two, the runtime returns the freed pages to the kernel, and the next
// step faults them back in and zeroes them (a quarter to a third of a
// training step on the bench workloads).
//
// Ownership is the point. Inside Step every tensor of at least
// minArenaFloats elements is made from the arena. When the step ends, a
// buffer goes back to the arena unless it can still be reached from the
// values passed to Step as keep (the model, its optimizers, its averages:
// whatever lives from one step to the next), by a walk over their fields
// like the one nn.Parameters does; a buffer that can be reached is given
// up to the collector and never recycled. A tensor made inside Step and
// held anywhere else (a local variable of the caller, a package variable,
// a closure) must not be used after Step returns: its values may already
// belong to the next step. Copy what must outlive the step (Clone outside
// Step, or Item/Data copied into a fresh slice inside it).
//
// During Backward the buffers the pass makes (gradients and the
// temporaries of backward rules) are recycled as soon as nothing in the
// pass can read them again (arena_backward.go), so a backward pass reuses
// its own memory as PyTorch's caching allocator does. Forward tensors
// wait for the step's end: the caller may still read them after Backward.
//
// Only the goroutine that called Step takes from the arena; tensors made
// by other goroutines (a kernel's workers, a second trainer in the same
// process) come from the collector as usual. Step calls do not nest: an
// inner Step just runs its function in the outer one's arena.
type Arena struct {
	mu    sync.Mutex
	free  map[int][]spare           // recycled buffers by length
	owned map[*float32]*arenaBuffer // buffers handed out in this step
	// kept lists the buffers that keep reached at an earlier step's end:
	// a gradient the next step's ZeroGrad drops, a replaced optimizer
	// state. Each step's end checks them again and recycles those that
	// keep no longer reaches, so that next step's gradients reuse them.
	kept  []*arenaBuffer
	steps int
	busy  atomic.Bool // a Step is running
	// backwardDepth counts the backward passes running in the step, so
	// that the buffers they make are marked as theirs.
	backwardDepth int
	// made lists the buffers taken in this step, in order, that have not
	// been recycled (see Arena.sweep and Arena.sweepForward).
	made []*arenaBuffer
	// Poison fills recycled buffers with NaN, so that a tensor used after
	// its step shows up as NaN instead of as plausible old values. Tests
	// set it.
	Poison bool
	// RecycleForward lets Backward recycle each op's result as soon as the
	// op's backward rule has run (PyTorch frees saved activations then),
	// except results reachable from Step's keep. Set it only for a step
	// that reads no tensor of a differentiated forward pass after its
	// Backward, as the trainer's loss steps do: such a tensor's values
	// may already belong to another.
	RecycleForward bool
	keep           []any // Step's keep, while it runs
	// Counts of the last step: buffers taken, of those the recycled
	// ones, and buffers a backward pass recycled early.
	Taken, Reused, Released int
}

// arenaBuffer is one buffer handed out in the current step.
type arenaBuffer struct {
	data []float32 // the whole buffer; the tensor may have its first part
	// backward: made during a backward pass, so only the pass holds it
	// (forward tensors may be held by the caller and wait for the walk).
	backward bool
	// refs counts the gradients in the backward walk that start at this
	// buffer's first element (a gradient and its same-sized views).
	refs int
	// pinned: a gradient views the buffer from inside, where refs cannot
	// count it, so it waits for the step's end.
	pinned   bool
	released bool
	// saved: a recorded op's backward rule may read it (see Release).
	saved bool
	// held: reachable from Step's keep when last looked (at the step's
	// end, or when a Backward with RecycleForward began).
	held bool
}

// spare is a recycled buffer and the step that last used it.
type spare struct {
	data []float32
	step int
}

// minArenaFloats is the smallest buffer the arena recycles (16 KiB):
// smaller ones cost the collector little, and most of them are shapes,
// scalars and per-row statistics.
const minArenaFloats = 4096

// arenas lists the goroutines inside Step and their arenas: a tensor made
// by one of them comes from its arena, a tensor made by any other
// goroutine (a kernel's worker, a second trainer in the same process) from
// the collector as usual. The list is replaced, never changed in place, so
// that reading it needs no lock.
var (
	arenas   atomic.Pointer[[]arenaUser]
	arenasMu sync.Mutex
)

type arenaUser struct {
	id    uintptr
	arena *Arena
}

// current returns the arena of the calling goroutine, or nil.
func current() *Arena {
	list := arenas.Load()
	if list == nil {
		return nil
	}
	id := goroutine.ID()
	for _, u := range *list {
		if u.id == id {
			return u.arena
		}
	}
	return nil
}

// setCurrent makes a the arena of goroutine id, or removes id when a is nil.
func setCurrent(id uintptr, a *Arena) {
	arenasMu.Lock()
	defer arenasMu.Unlock()
	var next []arenaUser
	if list := arenas.Load(); list != nil {
		for _, u := range *list {
			if u.id != id {
				next = append(next, u)
			}
		}
	}
	if a != nil {
		next = append(next, arenaUser{id, a})
	}
	if len(next) == 0 {
		arenas.Store(nil)
	} else {
		arenas.Store(&next)
	}
}

// NewArena returns an empty arena. The environment variable ARTIFEX_ARENA
// changes it for a whole run: "off" returns nil (steps allocate as if
// there were no arena), "poison" sets Poison.
func NewArena() *Arena {
	switch os.Getenv("ARTIFEX_ARENA") {
	case "off":
		return nil
	case "poison":
		return &Arena{free: map[int][]spare{}, owned: map[*float32]*arenaBuffer{}, Poison: true}
	}
	return &Arena{free: map[int][]spare{}, owned: map[*float32]*arenaBuffer{}}
}

// Step runs f with the tensors the calling goroutine makes taken from the
// arena, then recycles every buffer f made that cannot be reached from
// keep. A nil arena just runs f, and so does a Step inside a Step or one
// whose arena another goroutine is using.
func (a *Arena) Step(f func(), keep ...any) {
	if a == nil || current() != nil || !a.busy.CompareAndSwap(false, true) {
		f()
		return
	}
	id := goroutine.ID()
	a.mu.Lock()
	a.Taken, a.Reused, a.Released = 0, 0, 0
	a.keep = keep
	a.mu.Unlock()
	setCurrent(id, a)
	defer func() {
		setCurrent(id, nil)
		a.keep = nil
		a.recycle(keep)
		a.busy.Store(false)
	}()
	f()
}

// Clear drops the recycled buffers the arena holds between steps, for
// the collector to free: before work outside the steps that needs memory
// of its own (writing a checkpoint, which copies the weights; sampling;
// a held-out pass), so that the two do not add up. The next step takes
// fresh buffers again. Clear does nothing while a Step runs or on a nil
// arena.
func (a *Arena) Clear() {
	if a == nil || a.busy.Load() {
		return
	}
	a.mu.Lock()
	clear(a.free)
	a.mu.Unlock()
}

// take returns a buffer of n zeros, from the arena when one is active.
func take(n int) []float32 { return takeBuffer(n, true) }

// takeUninit is take for ops that write every element: a recycled buffer
// keeps its old values.
func takeUninit(n int) []float32 { return takeBuffer(n, false) }

func takeBuffer(n int, zero bool) []float32 {
	if n >= minArenaFloats {
		if a := current(); a != nil {
			return a.take(n, zero)
		}
	}
	return make([]float32, n)
}

// take hands out n floats: a free buffer of exactly n, or else the
// smallest free one of up to 2n, cut to n (a step's buffers of one size
// serve its requests of another, so the arena holds about the step's peak
// rather than each size's own peak), or a fresh one.
func (a *Arena) take(n int, zero bool) []float32 {
	a.mu.Lock()
	var buf []float32
	size := n
	if len(a.free[n]) == 0 {
		size = 0
		for s, list := range a.free {
			if s > n && s <= 2*n && len(list) > 0 && (size == 0 || s < size) {
				size = s
			}
		}
	}
	if list := a.free[size]; size > 0 && len(list) > 0 {
		buf = list[len(list)-1].data
		a.free[size] = list[:len(list)-1]
		a.Reused++
	}
	a.Taken++
	back := a.backwardDepth > 0
	a.mu.Unlock()
	if buf == nil {
		buf = make([]float32, n)
	} else if zero {
		clear(buf[:n])
	}
	b := &arenaBuffer{data: buf, backward: back}
	a.mu.Lock()
	a.owned[&buf[0]] = b
	a.made = append(a.made, b)
	a.mu.Unlock()
	return buf[:n:n]
}

func (a *Arena) putLocked(buf []float32) {
	if a.Poison {
		nan := math.Float32frombits(0x7fc00000) // a quiet NaN
		for i := range buf {
			buf[i] = nan
		}
	}
	a.free[len(buf)] = append(a.free[len(buf)], spare{data: buf, step: a.steps})
}

// recycle ends a step: the buffers reachable from keep, among those of
// this step and those kept from earlier ones, stay kept; the others return
// to the free lists; and free buffers no step has used for two steps are
// dropped.
func (a *Arena) recycle(keep []any) {
	spans := reachableSpans(keep)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.steps++
	a.recheckKeptLocked(spans)
	a.markHeldLocked(a.ownedList(), spans)
	for _, b := range a.owned {
		if b.held {
			a.kept = append(a.kept, b)
		} else {
			a.putLocked(b.data)
		}
	}
	clear(a.owned)
	a.made = a.made[:0]
	for n, list := range a.free {
		list = slices.DeleteFunc(list, func(s spare) bool { return s.step < a.steps-1 })
		if len(list) == 0 {
			delete(a.free, n)
		} else {
			a.free[n] = list
		}
	}
}

// ownedList returns the buffers handed out in this step.
func (a *Arena) ownedList() []*arenaBuffer {
	bufs := make([]*arenaBuffer, 0, len(a.owned))
	for _, b := range a.owned {
		bufs = append(bufs, b)
	}
	return bufs
}

// recheckKeptLocked recycles the kept buffers that none of spans (the
// walk from keep) reaches any more, and keeps the others.
func (a *Arena) recheckKeptLocked(spans []span) {
	for _, b := range a.kept {
		b.held = false
	}
	a.markHeldLocked(a.kept, spans)
	a.kept = slices.DeleteFunc(a.kept, func(b *arenaBuffer) bool {
		if !b.held {
			a.putLocked(b.data)
		}
		return !b.held
	})
}

// markHeldLocked sets held on every buffer of bufs (which it sorts) that
// one of spans starts in.
func (a *Arena) markHeldLocked(bufs []*arenaBuffer, spans []span) {
	start := func(b *arenaBuffer) uintptr { return uintptr(unsafe.Pointer(&b.data[0])) }
	slices.SortFunc(bufs, func(x, y *arenaBuffer) int {
		return cmp.Compare(start(x), start(y))
	})
	for _, s := range spans {
		// The last buffer that starts at or before s.from holds it if it
		// reaches that far.
		i, _ := slices.BinarySearchFunc(bufs, s.from, func(b *arenaBuffer, p uintptr) int {
			return cmp.Compare(start(b), p+1)
		})
		if i > 0 {
			b := bufs[i-1]
			if s.from < start(b)+uintptr(len(b.data))*4 {
				b.held = true
			}
		}
	}
}
