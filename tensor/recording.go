package tensor

import (
	"sync"
	"sync/atomic"

	"github.com/artifex-go/artifex/internal/goroutine"
)

// Gradient recording is on by default and switched off per goroutine:
// NoGrad(fn) stops recording for the goroutine that calls it, for as long
// as fn runs, and for no other goroutine. A server that samples while it
// fine-tunes, or an evaluation running beside training, therefore needs no
// coordination.
//
// Why per goroutine. Ops take no context argument, and the tensors they
// see cannot say whose computation they belong to: a model's parameters
// are the same tensors in the training goroutine and in the sampling one.
// The only thing that tells the two computations apart is the goroutine
// running the op. So the scope is the set of goroutines (by
// internal/goroutine's identity) whose recording is off:
//
//   - The set is nil when empty, so a training step with no NoGrad running
//     anywhere pays one atomic load per op.
//   - Otherwise GradEnabled scans the few entries for its own goroutine;
//     the identity costs a couple of nanoseconds on amd64 and arm64.
//   - The set is copied on write under a mutex, so readers never lock;
//     the copy (two small allocations) is paid once per NoGrad call, not
//     per op. Only a goroutine adds or removes its own entry, so its
//     answer cannot change while it reads.
//   - NoGrad adds the entry and removes it in a deferred call, before the
//     goroutine can end (and its identity be reused), also when fn
//     panics; EnableGrad does the reverse.
//
// A goroutine started inside fn starts with recording on, like any other
// goroutine; to sample in parallel, each worker calls NoGrad itself.

var (
	offMu sync.Mutex                // serialises writers of off
	off   atomic.Pointer[[]uintptr] // goroutines not recording; nil when none
)

// NoGrad runs fn without recording operations for differentiation, the way
// sampling and evaluation should run. It affects only the calling
// goroutine: another goroutine training at the same time keeps recording,
// and a goroutine that fn starts records unless it calls NoGrad itself.
// Calls nest.
func NoGrad(fn func()) {
	id := goroutine.ID()
	if isOff(id) {
		fn()
		return
	}
	setOff(id, true)
	defer setOff(id, false)
	fn()
}

// EnableGrad runs fn with operations recorded even when it is called
// inside NoGrad, like PyTorch's torch.enable_grad. Samplers that follow
// the gradient of a model with respect to its input (Langevin dynamics on
// an energy) need it, because callers run sampling under NoGrad. Like
// NoGrad it affects only the calling goroutine.
func EnableGrad(fn func()) {
	if off.Load() == nil {
		fn()
		return
	}
	id := goroutine.ID()
	if !isOff(id) {
		fn()
		return
	}
	setOff(id, false)
	defer setOff(id, true)
	fn()
}

// GradEnabled reports whether operations run by the calling goroutine are
// recorded now.
func GradEnabled() bool {
	return off.Load() == nil || !offHere()
}

// offHere reports whether the calling goroutine is inside NoGrad. It is
// kept out of line so that GradEnabled, which checks first whether any
// goroutine is, stays small enough to inline into every op.
//
//go:noinline
func offHere() bool { return isOff(goroutine.ID()) }

// isOff reports whether goroutine id is inside NoGrad.
func isOff(id uintptr) bool {
	list := off.Load()
	if list == nil {
		return false
	}
	for _, o := range *list {
		if o == id {
			return true
		}
	}
	return false
}

// setOff adds goroutine id to the set of goroutines not recording, or
// removes it.
func setOff(id uintptr, add bool) {
	offMu.Lock()
	defer offMu.Unlock()
	var old []uintptr
	if p := off.Load(); p != nil {
		old = *p
	}
	if !add && len(old) == 1 {
		off.Store(nil)
		return
	}
	list := make([]uintptr, 0, len(old)+1)
	for _, o := range old {
		if o != id {
			list = append(list, o)
		}
	}
	if add {
		list = append(list, id)
	}
	off.Store(&list)
}
