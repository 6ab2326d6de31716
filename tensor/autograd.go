package tensor

import (
	"fmt"
	"sync/atomic"
)

// node records how a tensor was computed: its inputs and the rule that maps
// the gradient of the output to gradients of the inputs. backward returns one
// entry per input; nil means "no gradient flows to that input".
//
// The graph links ops through handles, not through the tensors themselves:
// an input that an op computed is entered as that op's handle, a Tensor with
// its shape and node but no values. So the graph alone keeps no values
// alive; an op's values outlive its forward pass only when a backward rule
// captured them because its gradient needs them (Softmax keeps its output,
// Add nothing but shapes). Leaves are entered as themselves, since their
// gradients land in their Grad.
type node struct {
	op       string
	inputs   []*Tensor
	backward func(grad *Tensor) []*Tensor
	handle   *Tensor
	seq      uint64 // order of creation, for Checkpoint's check of its graph
	// result is the first value of the op's result when an Arena made it
	// for this op (not a view of an input), for Arena.RecycleForward.
	result *float32
}

// nodeSeq numbers nodes in the order they are created.
var nodeSeq atomic.Uint64

// graphKey returns the tensor that stands for t in the graph: the handle of
// the op that computed t, or t itself for a leaf.
func graphKey(t *Tensor) *Tensor {
	if t != nil && t.node != nil {
		return t.node.handle
	}
	return t
}

// RequiresGrad reports whether gradients flow to or through t.
func (t *Tensor) RequiresGrad() bool { return t.requiresGrad }

// SetRequiresGrad marks a leaf tensor as one whose gradient is wanted and
// returns it. It panics on non-leaf tensors, whose flag follows their inputs.
func (t *Tensor) SetRequiresGrad(on bool) *Tensor {
	if t.node != nil {
		panic("tensor: SetRequiresGrad on a non-leaf tensor; Detach it first")
	}
	t.requiresGrad = on
	return t
}

// Grad returns the accumulated gradient of a leaf, or nil before Backward.
func (t *Tensor) Grad() *Tensor { return t.grad }

// ZeroGrad drops the accumulated gradient.
func (t *Tensor) ZeroGrad() { t.grad = nil }

// SetGrad replaces the accumulated gradient (optimizers and clipping use it).
func (t *Tensor) SetGrad(g *Tensor) {
	if g != nil && !SameShape(g.shape, t.shape) {
		panic(fmt.Sprintf("tensor: SetGrad: gradient shape %v does not match tensor shape %v", g.shape, t.shape))
	}
	t.grad = g
}

// IsLeaf reports whether t was created by the user rather than by an op.
func (t *Tensor) IsLeaf() bool { return t.node == nil }

// Detach returns a tensor sharing t's storage with no gradient history.
func (t *Tensor) Detach() *Tensor { return &Tensor{shape: t.shape, data: t.data} }

// record attaches the backward rule to out when any input needs a gradient
// and recording is on. Ops call it last: return record(out, "op", fn, inputs...).
func record(out *Tensor, op string, backward func(grad *Tensor) []*Tensor, inputs ...*Tensor) *Tensor {
	for _, in := range inputs {
		if in != nil && in.requiresGrad {
			// Asked only now: with no input that needs a gradient there is
			// nothing to record, and the lookup is skipped.
			if GradEnabled() {
				keys := make([]*Tensor, len(inputs))
				for i, in := range inputs {
					keys[i] = graphKey(in)
				}
				n := &node{op: op, inputs: keys, backward: backward, seq: nodeSeq.Add(1)}
				if a := current(); a != nil {
					if len(out.data) >= minArenaFloats && !viewOfInput(out, inputs) {
						n.result = &out.data[0]
					}
					a.noteSaved(op, out, inputs)
				}
				n.handle = &Tensor{shape: out.shape, requiresGrad: true, node: n}
				out.requiresGrad = true
				out.node = n
			}
			return out
		}
	}
	return out
}

// Backward computes the gradient of the scalar t with respect to every leaf
// that requires a gradient, adding it to the leaf's Grad.
func (t *Tensor) Backward() {
	if len(t.data) != 1 {
		panic(fmt.Sprintf("tensor: Backward needs a scalar, got shape %v; reduce it first (Sum or Mean)", t.shape))
	}
	if !t.requiresGrad {
		panic("tensor: Backward on a tensor that does not require grad (no parameter or input with SetRequiresGrad(true) took part)")
	}
	grads := propagate([]*Tensor{t}, nil, false, nil, true)
	NoGrad(func() {
		for leaf, g := range grads {
			if leaf.grad == nil {
				leaf.grad = g
			} else {
				leaf.grad = Add(leaf.grad, g)
			}
		}
	})
}

// Grad returns the gradients of the sum of outputs with respect to inputs
// (an input that does not influence the outputs gets zeros). Leaf gradients
// are not touched. With createGraph the returned gradients are themselves
// recorded, so a loss built from them (a gradient penalty) can be
// differentiated with Backward.
func Grad(outputs, inputs []*Tensor, createGraph bool) []*Tensor {
	want := make(map[*Tensor]bool, len(inputs))
	for _, in := range inputs {
		want[graphKey(in)] = true
	}
	grads := propagate(outputs, nil, createGraph, want, false)
	res := make([]*Tensor, len(inputs))
	for i, in := range inputs {
		if g, ok := grads[graphKey(in)]; ok {
			res[i] = g
		} else {
			res[i] = ZerosLike(in)
		}
	}
	return res
}

// propagate walks the graph below outputs in reverse topological order,
// starting from seeds (the gradients of outputs; ones when nil). It returns
// the gradient of every graph key in want, or, when want is nil, of every
// leaf that requires a gradient.
//
// With release (Backward), each op's record is dropped as soon as its
// gradients are computed, as PyTorch frees a graph without retain_graph:
// the walk goes from the outputs down, so every op that read a tensor has
// run its backward by then, and the tensors and closures kept only for
// the backward pass become garbage one by one instead of living until the
// whole pass ends. A freed op panics if a later pass reaches it.
//
// Without createGraph, a gradient that is the sum of several contributions
// is summed in place: the first sum is a fresh tensor that only this walk
// holds, and later contributions are added into it until an op's backward
// rule receives it (a rule may pass its gradient on unchanged, to more than
// one input, so from then on it is shared).
func propagate(outputs, seeds []*Tensor, createGraph bool, want map[*Tensor]bool, release bool) map[*Tensor]*Tensor {
	roots := make([]*Tensor, len(outputs))
	for i, out := range outputs {
		roots[i] = graphKey(out)
	}
	order := topoSort(roots)
	grads := make(map[*Tensor]*Tensor, len(order))
	var owned map[*Tensor]bool // sums that only grads holds
	if !createGraph {
		owned = make(map[*Tensor]bool)
	}
	result := make(map[*Tensor]*Tensor)
	// With an Arena, Backward hands the gradients it made back as soon as
	// nothing in the walk can read them again.
	arena := current()
	recycling := arena != nil && release && !createGraph
	forward := recycling && arena.RecycleForward
	if recycling {
		arena.startBackward(forward)
	}
	run := func() {
		if arena != nil {
			arena.enterBackward(1)
			defer arena.enterBackward(-1)
		}
		for i, out := range roots {
			if out.requiresGrad {
				seed := OnesLike(out)
				if seeds != nil {
					seed = seeds[i]
				}
				stored, _, _ := accumulate(grads, owned, out, seed)
				if recycling {
					arena.hold(stored)
				}
			}
		}
		for i := len(order) - 1; i >= 0; i-- {
			t := order[i]
			g, ok := grads[t]
			if !ok {
				continue
			}
			delete(grads, t)
			delete(owned, g)
			if want != nil {
				if want[t] {
					result[t] = g
				}
			} else if t.node == nil {
				result[t] = g
			}
			if t.node == nil {
				continue
			}
			n := t.node
			var mark int
			if recycling {
				mark = arena.mark()
			}
			inGrads := n.backward(g)
			if recycling {
				arena.pinShared(g, inGrads)
			}
			for j, in := range n.inputs {
				if in == nil || !in.requiresGrad || inGrads[j] == nil {
					continue
				}
				gi := inGrads[j]
				if !SameShape(gi.shape, in.shape) {
					panic(fmt.Sprintf("tensor: backward of %s produced gradient %v for input %d of shape %v", n.op, gi.shape, j, in.shape))
				}
				stored, replaced, unused := accumulate(grads, owned, in, gi)
				if recycling {
					arena.hold(stored)
					arena.drop(replaced)
					arena.consumed(unused)
				}
			}
			if recycling {
				arena.sweep(mark, inGrads)
				arena.drop(g)
			}
			if forward && n.result != nil {
				arena.recycleResult(n.result)
			}
			if release {
				n.inputs = nil
				n.backward = freedBackward(n.op)
				order[i] = nil
			}
		}
	}
	if createGraph {
		run()
	} else {
		NoGrad(run)
	}
	return result
}

// viewOfInput reports whether out shares its first value with an input
// (Reshape, Detach): such a result is the input's buffer, recycled with
// the op that made it.
func viewOfInput(out *Tensor, inputs []*Tensor) bool {
	for _, in := range inputs {
		if in != nil && len(in.data) > 0 && &in.data[0] == &out.data[0] {
			return true
		}
	}
	return false
}

// freedBackward is the rule left on an op whose backward pass has run and
// been released by Backward.
func freedBackward(op string) func(*Tensor) []*Tensor {
	return func(*Tensor) []*Tensor {
		panic(fmt.Sprintf("tensor: backward through %s, whose graph an earlier Backward freed; compute the loss again (or use Grad, which keeps the graph)", op))
	}
}

// accumulate adds g to the gradient of t; owned (nil when the pass is
// recorded) holds the sums that may be added into in place. It says what
// changed in grads, for the arena: the tensor it stored (g or a new sum),
// the one that sum replaced, and g when it was added into another.
func accumulate(grads map[*Tensor]*Tensor, owned map[*Tensor]bool, t, g *Tensor) (stored, replaced, unused *Tensor) {
	prev, ok := grads[t]
	switch {
	case !ok:
		grads[t] = g
		return g, nil, nil
	case owned[prev]:
		addInto(prev.data, g.data)
		return nil, nil, g
	default:
		sum := Add(prev, g)
		grads[t] = sum
		if owned != nil {
			owned[sum] = true
		}
		return sum, prev, g
	}
}

// addInto adds src to dst elementwise.
func addInto(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}

// topoSort lists the tensors that require grad below roots, inputs first.
func topoSort(roots []*Tensor) []*Tensor {
	var order []*Tensor
	visited := make(map[*Tensor]bool)
	type frame struct {
		t    *Tensor
		next int
	}
	for _, root := range roots {
		if root == nil || !root.requiresGrad || visited[root] {
			continue
		}
		visited[root] = true
		stack := []frame{{t: root}}
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.t.node != nil && top.next < len(top.t.node.inputs) {
				in := top.t.node.inputs[top.next]
				top.next++
				if in != nil && in.requiresGrad && !visited[in] {
					visited[in] = true
					stack = append(stack, frame{t: in})
				}
				continue
			}
			order = append(order, top.t)
			stack = stack[:len(stack)-1]
		}
	}
	return order
}
