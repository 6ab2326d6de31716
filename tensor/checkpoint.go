package tensor

import "fmt"

// Checkpoint returns fn(inputs) while keeping, for the backward pass, only
// inputs: fn runs without recording, and when the backward pass reaches
// the result it runs fn again, recording, and differentiates that run
// (activation recomputation, PyTorch's torch.utils.checkpoint). Memory
// then holds each checkpointed block's inputs instead of every
// intermediate of every block, for one more forward pass of compute.
//
// params lists the other tensors that fn reads and that need gradients,
// usually a module's parameters (leaves); they reach fn through its
// closure, and their gradients are computed as if fn had been recorded.
// fn may not read any other tensor that requires a gradient: the backward
// pass panics if the recomputation reaches one. streams are the random
// streams fn draws from (dropout's): the recomputation draws the same
// numbers from them, and leaves them where the first run left them, so
// the gradients equal those of recording fn directly.
//
// Without recording, or when neither inputs nor params need a gradient,
// Checkpoint is fn(inputs). A recorded backward pass (Grad with
// createGraph) cannot go through a checkpoint: it panics.
func Checkpoint(fn func(in []*Tensor) *Tensor, inputs, params []*Tensor, streams ...*Stream) *Tensor {
	needed := false
	for _, t := range append(append([]*Tensor(nil), inputs...), params...) {
		needed = needed || (t != nil && t.requiresGrad)
	}
	for _, p := range params {
		if p.node != nil {
			panic(fmt.Sprintf("tensor: Checkpoint: params must be leaves (parameters); pass the computed tensor of shape %v among inputs", p.shape))
		}
	}
	if !needed || !GradEnabled() {
		return fn(inputs)
	}
	start := positions(streams)
	detached := make([]*Tensor, len(inputs))
	for i, in := range inputs {
		if in != nil {
			detached[i] = in.Detach()
		}
	}
	var y *Tensor
	a := current()
	var mark int
	if a != nil {
		mark = a.mark()
	}
	NoGrad(func() { y = fn(detached) })
	if a != nil {
		// Nothing recorded the run, so only y (and what the model keeps)
		// outlives it: its intermediates go back to the arena now, as the
		// collector would have taken them.
		a.sweepForward(mark, []*Tensor{y})
	}
	out := &Tensor{shape: y.shape, data: y.data}
	return record(out, "Checkpoint", func(g *Tensor) []*Tensor {
		if GradEnabled() {
			panic("tensor: a recorded backward pass (Grad with createGraph) reached a Checkpoint, whose recomputation is not differentiable twice; turn checkpointing off")
		}
		leaves := make([]*Tensor, len(inputs))
		for i, in := range inputs {
			if in != nil {
				leaves[i] = &Tensor{shape: in.shape, data: in.data, requiresGrad: in.requiresGrad}
			}
		}
		now := positions(streams)
		setPositions(start)
		before := nodeSeq.Load()
		var y *Tensor
		EnableGrad(func() { y = fn(leaves) })
		setPositions(now)
		res := make([]*Tensor, len(inputs)+len(params))
		if !y.requiresGrad {
			return res
		}
		for _, t := range topoSort([]*Tensor{graphKey(y)}) {
			if t.node != nil && t.node.seq <= before {
				panic(fmt.Sprintf("tensor: Checkpoint: the function reads a tensor of shape %v computed outside it (by %s) that requires a gradient; pass it among inputs", t.shape, t.node.op))
			}
		}
		grads := propagate([]*Tensor{y}, []*Tensor{g}, false, nil, true)
		for i, l := range leaves {
			if l != nil {
				res[i] = grads[l]
				delete(grads, l)
			}
		}
		for j, p := range params {
			if gp, ok := grads[p]; ok {
				res[len(inputs)+j] = gp
				delete(grads, p)
			}
		}
		for leaf := range grads {
			panic(fmt.Sprintf("tensor: Checkpoint: the function reads a tensor of shape %v that requires a gradient but is neither among its inputs nor its params", leaf.shape))
		}
		return res
	}, append(append([]*Tensor(nil), inputs...), params...)...)
}

// streamPosition is where one random stream (no RowRngs parts) stands.
type streamPosition struct {
	s   *Stream
	pcg []byte
}

// positions returns where streams stand, the parts of a stream split by
// rows (RowRngs) each on its own.
func positions(streams []*Stream) []streamPosition {
	var out []streamPosition
	for _, s := range streams {
		if s == nil {
			continue
		}
		if s.parts != nil {
			out = append(out, positions(s.parts)...)
			continue
		}
		b, _ := s.src.MarshalBinary() // PCG marshalling cannot fail
		out = append(out, streamPosition{s, b})
	}
	return out
}

// setPositions moves streams back (or on) to positions.
func setPositions(ps []streamPosition) {
	for _, p := range ps {
		if err := p.s.src.UnmarshalBinary(p.pcg); err != nil {
			panic(fmt.Sprintf("tensor: restoring a random stream: %v", err)) // our own bytes
		}
	}
}
