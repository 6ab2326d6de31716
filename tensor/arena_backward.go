package tensor

import "unsafe"

// The backward half of the Arena: how a backward pass hands back the
// buffers it made as soon as nothing can read them again.
//
// Every buffer taken during a backward pass is either a gradient that
// the walk (propagate) holds in its table until the op that receives it
// has run, or a temporary of one op's backward rule. A gradient's buffer
// counts the table entries that start at it (refs); when the last entry
// is gone and the buffer was not pinned it is recycled. A temporary is
// recycled when its rule returns (sweep), unless a gradient the rule
// returned lies in it. A gradient that views a buffer from inside (a
// slice of a concatenation's gradient) cannot be counted, so it pins the
// buffer until the step ends. Forward tensors are never recycled early:
// the caller may still hold them.

// bufferOf returns the arena's record of the buffer that t starts at, or
// nil. a.mu must be held.
func (a *Arena) bufferOf(t *Tensor) *arenaBuffer {
	if t == nil || len(t.data) == 0 {
		return nil
	}
	return a.owned[&t.data[0]]
}

// hold notes that the walk's table now holds t.
func (a *Arena) hold(t *Tensor) {
	a.mu.Lock()
	if b := a.bufferOf(t); b != nil {
		b.refs++
	}
	a.mu.Unlock()
}

// drop notes that the walk's table no longer holds t, which it held.
func (a *Arena) drop(t *Tensor) {
	a.mu.Lock()
	if b := a.bufferOf(t); b != nil {
		b.refs--
		a.maybeRecycleLocked(b)
	}
	a.mu.Unlock()
}

// consumed notes that t was added into another gradient and not kept.
func (a *Arena) consumed(t *Tensor) {
	a.mu.Lock()
	if b := a.bufferOf(t); b != nil {
		a.maybeRecycleLocked(b)
	}
	a.mu.Unlock()
}

func (a *Arena) maybeRecycleLocked(b *arenaBuffer) {
	if !b.backward || b.pinned || b.refs > 0 || b.released {
		return
	}
	a.recycleLocked(b)
}

// recycleLocked returns b, handed out in this step, to the free lists.
func (a *Arena) recycleLocked(b *arenaBuffer) {
	b.released = true
	delete(a.owned, &b.data[0])
	a.putLocked(b.data)
	a.Released++
}

// mark returns the position of the next buffer a backward pass takes.
func (a *Arena) mark() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.made)
}

// sweep ends one backward rule, which returned out: the buffers taken
// since mark that no gradient holds are its temporaries and are recycled;
// one that a returned gradient views from inside is pinned.
func (a *Arena) sweep(mark int, out []*Tensor) {
	a.mu.Lock()
	defer a.mu.Unlock()
	kept := a.made[:mark]
	for _, b := range a.made[mark:] {
		if b.released {
			continue
		}
		for _, g := range out {
			if g != nil && len(g.data) > 0 && &g.data[0] != &b.data[0] && within(g.data, b.data) {
				b.pinned = true
			}
		}
		a.maybeRecycleLocked(b)
		if !b.released {
			kept = append(kept, b)
		}
	}
	clear(a.made[len(kept):])
	a.made = kept
}

// sweepForward ends a forward region that recorded nothing (Checkpoint's
// first run, under NoGrad): the buffers taken since mark are recycled
// unless one of out lies in them or the step's keep reaches them, since
// no graph captured them and the region's caller holds only out.
func (a *Arena) sweepForward(mark int, out []*Tensor) {
	spans := reachableSpans(a.keep)
	for _, t := range out {
		if t != nil && len(t.data) > 0 {
			spans = append(spans, span{uintptr(unsafe.Pointer(&t.data[0]))})
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.markHeldLocked(a.ownedList(), spans)
	kept := a.made[:mark]
	for _, b := range a.made[mark:] {
		if !b.released && !b.held && !b.pinned && b.refs == 0 {
			a.recycleLocked(b)
		}
		if !b.released {
			kept = append(kept, b)
		}
	}
	clear(a.made[len(kept):])
	a.made = kept
}

// pinShared pins, among an op's gradient g and the gradients its rule
// returned, every buffer that one of them views from inside another (a
// slice of g, say); views that start where a buffer starts are counted by
// refs instead.
func (a *Arena) pinShared(g *Tensor, out []*Tensor) {
	a.mu.Lock()
	defer a.mu.Unlock()
	pin := func(x, y *Tensor) {
		if x == nil || y == nil || len(x.data) == 0 || len(y.data) == 0 || &x.data[0] == &y.data[0] {
			return
		}
		if within(x.data, y.data) || within(y.data, x.data) {
			for _, t := range []*Tensor{x, y} {
				if b := a.bufferOf(t); b != nil {
					b.pinned = true
				}
			}
		}
	}
	for j, gi := range out {
		pin(gi, g)
		for _, other := range out[:j] {
			pin(gi, other)
		}
	}
}

// within reports whether x and y share memory.
func within(x, y []float32) bool {
	x0, y0 := uintptr(unsafe.Pointer(&x[0])), uintptr(unsafe.Pointer(&y[0]))
	return x0 < y0+uintptr(len(y))*4 && y0 < x0+uintptr(len(x))*4
}

// startBackward prepares the arena for a Backward that recycles, with one
// walk from the step's keep. With forward, it marks the buffers of the
// step that keep reaches: the model may hold a result (a running
// statistic, a cache) that its op's release must not take. And it
// recycles the kept buffers of earlier steps that keep no longer reaches
// (the gradients the step's ZeroGrad dropped), so that the pass's
// gradients take them rather than fresh ones: the step's end would
// recycle them anyway, after the pass had doubled the gradients' memory.
func (a *Arena) startBackward(forward bool) {
	if !forward && len(a.kept) == 0 {
		return
	}
	spans := reachableSpans(a.keep)
	a.mu.Lock()
	defer a.mu.Unlock()
	if forward {
		a.markHeldLocked(a.ownedList(), spans)
	}
	a.recheckKeptLocked(spans)
}

// recycleResult recycles the forward result that starts at p, whose op's
// backward rule has run: every op that read it, directly or through a
// view, came later in the forward pass and so has already run its own.
func (a *Arena) recycleResult(p *float32) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if b := a.owned[p]; b != nil && !b.backward && !b.held && !b.pinned && b.refs == 0 && !b.released {
		a.recycleLocked(b)
	}
}

// discard recycles t's buffer at once, if the calling goroutine's arena
// made it in this step: for an op's own temporary, which nothing else
// holds (AffineAct's act(x)).
func discard(t *Tensor) {
	a := current()
	if a == nil || len(t.data) == 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if b := a.owned[&t.data[0]]; b != nil && !b.released && b.refs == 0 && !b.pinned && !b.saved {
		a.recycleLocked(b)
	}
}

// Release tells the calling goroutine's arena that the caller will not
// read t again, nor any view of it: if the arena made t in this step and
// no recorded op saved it for its backward pass, its buffer is recycled
// now instead of at the step's end. Layers call it on their own
// intermediates (a projection once its heads are split off), the role
// reference counting plays in PyTorch. Outside an arena it does nothing.
func Release(t *Tensor) {
	if t != nil {
		discard(t)
	}
}

// opSaves says which of an op's values its backward rule keeps: its
// inputs, its result. An op not listed is taken to keep both.
var opSaves = map[string]struct{ inputs, result bool }{
	"Add": {}, "Sub": {}, "Scale": {}, "AddScalar": {}, "Reshape": {}, "Permute": {}, "Dropout": {}, "Concat": {},
	"Affine": {inputs: true}, "AffineAct": {inputs: true}, "BatchNorm": {inputs: true},
	"ReLU": {result: true}, "LeakyReLU": {result: true},
}

// noteSaved marks the buffers that a newly recorded op's backward rule
// may read, so that Release leaves them alone.
func (a *Arena) noteSaved(op string, out *Tensor, inputs []*Tensor) {
	saves, known := opSaves[op]
	if known && !saves.inputs && !saves.result {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if !known || saves.inputs {
		for _, in := range inputs {
			if b := a.bufferOf(in); b != nil {
				b.saved = true
			}
		}
	}
	if !known || saves.result {
		if b := a.bufferOf(out); b != nil {
			b.saved = true
		}
	}
}

// enterBackward counts a backward pass of the step in (+1) or out (-1).
func (a *Arena) enterBackward(d int) {
	a.mu.Lock()
	a.backwardDepth += d
	a.mu.Unlock()
}
