package tensor

import (
	"fmt"
	"math"
	"sync"
	"testing"
)

// arenaNet is a small model whose backward pass shares gradients in every
// way the arena must notice: Add gives its gradient to both inputs
// unchanged, Reshape passes a view of it on, Concat's gradients are views
// into one buffer, and one activation feeds two ops.
type arenaNet struct {
	W1, W2 *Tensor
	extra  map[string][]*Tensor // state kept in a map of slices
	any    any                  // and behind an interface
}

func newArenaNet() *arenaNet {
	s := NewRngs(7).Stream("w")
	return &arenaNet{
		W1:    s.Normal(96, 96).SetRequiresGrad(true),
		W2:    s.Normal(192, 64).SetRequiresGrad(true),
		extra: map[string][]*Tensor{},
	}
}

func (n *arenaNet) loss(x *Tensor) *Tensor {
	h := Tanh(MatMul(x, n.W1))                      // [128, 96]
	n.extra["hidden"] = []*Tensor{h.Detach()}       // a result the model keeps, as a running statistic
	r := Reshape(Add(h, h), 128, 96)                // one gradient to both inputs, then a view
	c := Concat(1, r, Reshape(Sigmoid(h), 128, 96)) // [128, 192], gradients as views
	out := MatMul(c, n.W2)
	return Mean(Mul(out, out))
}

// step is one training step: gradients, then a plain SGD update that
// replaces nothing, and a running statistic that is a new tensor each
// step, kept only through the map and the interface.
func (n *arenaNet) step(x *Tensor) float32 {
	n.W1.ZeroGrad()
	n.W2.ZeroGrad()
	l := n.loss(x)
	l.Backward()
	NoGrad(func() {
		for _, w := range []*Tensor{n.W1, n.W2} {
			wd, gd := w.Data(), w.Grad().Data()
			for i := range wd {
				wd[i] -= 0.01 * gd[i]
			}
		}
		stat := Scale(n.W2, 0.5) // 12,288 values: from the arena
		n.extra["stat"] = []*Tensor{stat}
		n.any = Scale(n.W1, 2)
	})
	return l.Item()
}

func TestArenaStepsTrainExactlyAsWithoutAndReuseBuffers(t *testing.T) {
	for _, forward := range []bool{false, true} {
		t.Run(fmt.Sprintf("RecycleForward=%v", forward), func(t *testing.T) {
			a := &Arena{free: map[int][]spare{}, owned: map[*float32]*arenaBuffer{}, Poison: true, RecycleForward: forward}
			trainsLikeWithout(t, a)
		})
	}
}

func trainsLikeWithout(t *testing.T, a *Arena) {
	x := NewRngs(3).Stream("x").Normal(128, 96)
	plain, pooled := newArenaNet(), newArenaNet()
	for step := range 4 {
		want := plain.step(x)
		var got float32
		a.Step(func() { got = pooled.step(x) }, pooled)
		if got != want || math.IsNaN(float64(got)) {
			t.Fatalf("step %d: loss %v with the arena, %v without: a recycled buffer was still in use", step, got, want)
		}
		for i, w := range []*Tensor{plain.W1, plain.W2} {
			if !sameValues(w, []*Tensor{pooled.W1, pooled.W2}[i]) {
				t.Fatalf("step %d: weight %d differs with the arena", step, i)
			}
		}
		// The kept state still holds its values after the step.
		if !sameValues(pooled.extra["stat"][0], Scale(pooled.W2, 0.5)) || !sameValues(pooled.any.(*Tensor), Scale(pooled.W1, 2)) ||
			!sameValues(pooled.extra["hidden"][0], plain.extra["hidden"][0]) {
			t.Fatalf("step %d: state reachable from keep was recycled", step)
		}
		if step > 0 && a.Reused == 0 {
			t.Errorf("step %d: no buffer of the earlier step was reused (%d taken)", step, a.Taken)
		}
		if a.Released == 0 {
			t.Errorf("step %d: the backward pass recycled no gradient early", step)
		}
	}
}

func TestArenaPoisonsWhatAStepLeftBehind(t *testing.T) {
	a := &Arena{free: map[int][]spare{}, owned: map[*float32]*arenaBuffer{}, Poison: true}
	var leaked *Tensor
	a.Step(func() { leaked = Ones(64, 64) })
	if v := leaked.Data()[0]; !math.IsNaN(float64(v)) {
		t.Fatalf("a tensor made in the step and not kept reads %v after it; Poison should have made it NaN", v)
	}
	var fresh *Tensor
	a.Step(func() { fresh = Zeros(64, 64) }, &fresh)
	if fresh.Data()[0] != 0 || a.Reused != 1 {
		t.Fatalf("Zeros from a recycled buffer: first value %v, %d reused; want 0 and 1", fresh.Data()[0], a.Reused)
	}
}

func TestArenaServesOnlyTheGoroutineInsideStep(t *testing.T) {
	a := NewArena()
	if a == nil {
		t.Skip("ARTIFEX_ARENA=off")
	}
	var other *Tensor
	a.Step(func() {
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); other = Ones(64, 64) }()
		wg.Wait()
		// A Step inside a Step runs its function in the outer arena.
		a.Step(func() { Ones(64, 64) })
	})
	if a.Taken != 1 {
		t.Errorf("%d buffers taken; want 1 (the nested Step's, not the other goroutine's)", a.Taken)
	}
	if other.Data()[0] != 1 {
		t.Errorf("a tensor another goroutine made during the step was recycled")
	}
}

func TestArenaOffInTheEnvironmentGivesNoArena(t *testing.T) {
	t.Setenv("ARTIFEX_ARENA", "off")
	a := NewArena()
	if a != nil {
		t.Fatal("ARTIFEX_ARENA=off still gave an arena")
	}
	ran := false
	a.Step(func() { ran = true })
	if !ran {
		t.Fatal("a nil arena's Step did not run its function")
	}
}

// sameValues reports whether x and y hold the same values bit for bit.
func sameValues(x, y *Tensor) bool {
	if !SameShape(x.shape, y.shape) {
		return false
	}
	for i, v := range x.data {
		if math.Float32bits(v) != math.Float32bits(y.data[i]) {
			return false
		}
	}
	return true
}

// tailView is an op whose backward rule returns a view into the middle of
// its gradient, as a rule written outside this file could: y = [x, x],
// and x's "gradient" is the second half of y's, in place. tempView's rule
// returns a view into the middle of a temporary of its own.
func tailView(x *Tensor) *Tensor {
	n := len(x.data)
	out := empty([]int{2 * n})
	copy(out.data, x.data)
	copy(out.data[n:], x.data)
	return record(out, "tailView", func(g *Tensor) []*Tensor {
		return []*Tensor{wrap(g.data[n:], x.shape)}
	}, x)
}

func tempView(x *Tensor) *Tensor {
	n := len(x.data)
	return record(Scale(x, 2), "tempView", func(g *Tensor) []*Tensor {
		tmp := empty([]int{2 * n})
		copy(tmp.data[n:], g.data)
		return []*Tensor{wrap(tmp.data[n:], x.shape)}
	}, x)
}

func TestArenaKeepsAGradientThatAnotherViewsFromInside(t *testing.T) {
	run := func(a *Arena) []float32 {
		w := Full(0.5, 8192).SetRequiresGrad(true)
		a.Step(func() {
			y := tailView(tempView(Tanh(w)))
			Sum(Mul(y, Scale(y, 3))).Backward()
		}, w)
		return w.Grad().Data()
	}
	want := run(nil)
	got := run(&Arena{free: map[int][]spare{}, owned: map[*float32]*arenaBuffer{}, Poison: true})
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("gradient %d is %v with the arena, %v without: the viewed buffer was recycled under the view", i, got[i], want[i])
		}
	}
}

func TestArenaCheckpointGradientsEqualThoseWithoutAnArena(t *testing.T) {
	run := func(a *Arena) []*Tensor {
		s := NewRngs(5).Stream("w")
		w1, w2 := s.Normal(64, 96).SetRequiresGrad(true), s.Normal(96, 64).SetRequiresGrad(true)
		x := s.Normal(128, 64)
		block := func(in []*Tensor) *Tensor {
			h := Tanh(MatMul(in[0], w1)) // intermediates the first run hands back
			return Sigmoid(MatMul(h, w2))
		}
		a.Step(func() {
			y := Checkpoint(block, []*Tensor{Scale(x, 1)}, []*Tensor{w1, w2})
			Mean(Mul(y, Checkpoint(block, []*Tensor{y}, []*Tensor{w1, w2}))).Backward()
		}, w1, w2)
		return []*Tensor{w1.Grad(), w2.Grad()}
	}
	want := run(nil)
	got := run(&Arena{free: map[int][]spare{}, owned: map[*float32]*arenaBuffer{}, Poison: true, RecycleForward: true})
	for i := range want {
		if !sameValues(got[i], want[i]) {
			t.Errorf("gradient %d of the checkpointed blocks differs with the arena", i)
		}
	}
}

func TestReleaseRecyclesOnlyWhatNoRecordedOpSaved(t *testing.T) {
	run := func(a *Arena) (grad []float32, released int) {
		w := NewRngs(2).Stream("w").Normal(64, 96).SetRequiresGrad(true)
		a.Step(func() {
			h := Tanh(Scale(w, 0.5)) // Tanh keeps its result for its gradient
			s := Add(h, h)           // Add keeps nothing
			y := Mul(Permute(s, 1, 0), Permute(h, 1, 0))
			Release(h) // saved by Tanh and Mul's rules: must stay
			Release(s) // read by Permute only, which keeps nothing: recycled
			Sum(y).Backward()
		}, w)
		if a != nil {
			released = a.Released
		}
		return w.Grad().Data(), released
	}
	want, _ := run(nil)
	got, released := run(&Arena{free: map[int][]spare{}, owned: map[*float32]*arenaBuffer{}, Poison: true})
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("gradient %d is %v after Release, %v without an arena: a saved tensor was recycled", i, got[i], want[i])
		}
	}
	if released == 0 {
		t.Error("Release recycled nothing, not even the sum that only Permute read")
	}
}

// A buffer kept at one step's end stays intact for as long as keep
// reaches it, over later steps, and is recycled at the end of the first
// step after which keep no longer does (as a gradient that the next step's
// ZeroGrad drops), so that the step after reuses it.
func TestArenaRecyclesWhatKeepStopsReaching(t *testing.T) {
	a := &Arena{free: map[int][]spare{}, owned: map[*float32]*arenaBuffer{}, Poison: true}
	var state struct{ t *Tensor }
	a.Step(func() { state.t = Full(3, 64, 64) }, &state)
	held := state.t
	for step := range 2 {
		a.Step(func() { Ones(64, 64) }, &state)
		if v := held.Data()[0]; v != 3 {
			t.Fatalf("step %d: the kept tensor reads %v while keep still reaches it; want 3", step+2, v)
		}
	}
	a.Step(func() { state.t = nil }, &state)
	if v := held.Data()[0]; !math.IsNaN(float64(v)) {
		t.Fatalf("the dropped tensor reads %v after the step that dropped it; Poison should have made it NaN", v)
	}
	a.Step(func() { state.t = Zeros(64, 64) }, &state)
	if a.Reused != 1 || state.t.Data()[0] != 0 {
		t.Fatalf("%d buffers reused, first value %v; want 1 and 0", a.Reused, state.t.Data()[0])
	}
}

// The gradients that a step's ZeroGrad dropped are recycled as its
// Backward starts, so that the new gradients take their buffers: from the
// second step on, a step takes no fresh buffer.
func TestArenaBackwardReusesTheDroppedGradients(t *testing.T) {
	a := &Arena{free: map[int][]spare{}, owned: map[*float32]*arenaBuffer{}, Poison: true}
	w := Ones(64, 64).SetRequiresGrad(true)
	step := func() {
		w.ZeroGrad()
		Sum(Mul(w, w)).Backward()
	}
	a.Step(step, w)
	for i := range 3 {
		a.Step(step, w)
		if a.Taken != a.Reused {
			t.Fatalf("step %d took %d buffers, %d of them recycled; want all", i+2, a.Taken, a.Reused)
		}
		if got := w.Grad().Data()[0]; got != 2 {
			t.Fatalf("step %d: gradient %v, want 2", i+2, got)
		}
	}
}

// A free buffer serves a smaller request of at least half its size, cut to
// the request's length; a request more than twice smaller takes a fresh
// buffer.
func TestArenaServesSmallerRequestsFromLargerBuffers(t *testing.T) {
	a := &Arena{free: map[int][]spare{}, owned: map[*float32]*arenaBuffer{}, Poison: true}
	a.Step(func() { Ones(100, 100) })
	var half, tiny *Tensor
	a.Step(func() { half = Zeros(60, 100) }, &half)
	if a.Reused != 1 || half.Size() != 6000 || cap(half.Data()) != 6000 || half.Data()[5999] != 0 {
		t.Fatalf("6000 values from a free 10000: %d reused, size %d, cap %d, last %v; want 1, 6000, 6000, 0", a.Reused, half.Size(), cap(half.Data()), half.Data()[5999])
	}
	a.Step(func() { half = nil })
	a.Step(func() { tiny = Zeros(40, 100) }, &tiny)
	if a.Reused != 0 {
		t.Fatalf("4000 values took a free 10000-value buffer (%d reused); want a fresh one", a.Reused)
	}
}

// A ReLU keeps its result and a batch norm its input, so the batch norm's
// output can be released once the ReLU has read it; a leaky ReLU with a
// negative slope keeps its input, which must then stay. The gradients are
// those of a pass without an arena either way.
func TestReleaseBetweenBatchNormAndReLU(t *testing.T) {
	for _, slope := range []float32{0, 0.2, -0.5} {
		run := func(a *Arena) (grad []float32, recycled bool) {
			x := NewRngs(3).Stream("x").Normal(16, 8, 6, 6).SetRequiresGrad(true)
			w, b := Ones(8).SetRequiresGrad(true), Zeros(8).SetRequiresGrad(true)
			a.Step(func() {
				n, _, _ := BatchNorm(x, w, b, 1e-5)
				y := LeakyReLU(n, slope)
				Release(n)
				recycled = math.IsNaN(float64(n.Data()[0])) // poisoned
				Sum(Mul(y, y)).Backward()
			}, x, w, b)
			return x.Grad().Data(), recycled
		}
		want, _ := run(nil)
		got, recycled := run(&Arena{free: map[int][]spare{}, owned: map[*float32]*arenaBuffer{}, Poison: true})
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("slope %g: gradient %d is %v after Release, %v without an arena", slope, i, got[i], want[i])
			}
		}
		if recycled != (slope >= 0) {
			t.Errorf("slope %g: normalised tensor recycled %v; want it recycled exactly when the slope is not negative", slope, recycled)
		}
	}
}
