package tensor

import (
	"strings"
	"testing"
)

// block is a small residual layer with dropout: x + drop(tanh(x·w1))·w2.
func block(x, w1, w2 *Tensor, drop *Stream) *Tensor {
	h := Tanh(MatMul(x, w1))
	h = Mul(h, Scale(drop.BernoulliP(0.7, h.shape...), 1/0.7))
	return Add(x, MatMul(h, w2))
}

// gradsOf runs two blocks (checkpointed or not) and returns the loss and
// the gradients of x and the weights; the dropout stream then draws one
// more number, to show where the blocks left it.
func gradsOf(ckpt bool) (loss float32, grads [][]float32, next float64) {
	x := randn(1, 3, 4).SetRequiresGrad(true)
	w1, w2 := randn(2, 4, 6).SetRequiresGrad(true), randn(3, 6, 4).SetRequiresGrad(true)
	drop := NewRngs(5).Dropout()
	h := x
	for range 2 {
		if ckpt {
			h = Checkpoint(func(in []*Tensor) *Tensor { return block(in[0], w1, w2, drop) }, []*Tensor{h}, []*Tensor{w1, w2}, drop)
		} else {
			h = block(h, w1, w2, drop)
		}
	}
	l := Sum(Mul(h, h))
	l.Backward()
	for _, p := range []*Tensor{x, w1, w2} {
		grads = append(grads, p.Grad().Data())
	}
	return l.Item(), grads, drop.Float64()
}

func TestCheckpointGivesTheRecordedGradients(t *testing.T) {
	wantLoss, want, wantNext := gradsOf(false)
	loss, got, next := gradsOf(true)
	if loss != wantLoss || next != wantNext {
		t.Fatalf("checkpointed: loss %g, next draw %g; recorded: %g, %g", loss, next, wantLoss, wantNext)
	}
	for k := range want {
		for i := range want[k] {
			if got[k][i] != want[k][i] {
				t.Fatalf("gradient %d[%d]: checkpointed %g, recorded %g", k, i, got[k][i], want[k][i])
			}
		}
	}
}

func TestCheckpointNestedAndWithoutRecording(t *testing.T) {
	w := randn(1, 3, 3).SetRequiresGrad(true)
	f := func(in []*Tensor) *Tensor { return Tanh(MatMul(in[0], w)) }
	x := randn(2, 2, 3)
	var plain *Tensor
	NoGrad(func() { plain = Checkpoint(f, []*Tensor{x}, []*Tensor{w}) })
	if plain.RequiresGrad() {
		t.Fatal("a checkpoint under NoGrad recorded")
	}
	outer := Checkpoint(func(in []*Tensor) *Tensor {
		return Checkpoint(f, []*Tensor{Checkpoint(f, in, []*Tensor{w})}, []*Tensor{w})
	}, []*Tensor{x}, []*Tensor{w})
	Sum(outer).Backward()
	got := w.Grad().Clone()
	w.ZeroGrad()
	Sum(f([]*Tensor{f([]*Tensor{x})})).Backward()
	for i, v := range w.Grad().Data() {
		if got.Data()[i] != v {
			t.Fatalf("nested checkpoints: grad[%d] = %g, want %g", i, got.Data()[i], v)
		}
	}
}

func TestCheckpointRejectsUnlistedGradients(t *testing.T) {
	w := randn(1, 3, 3).SetRequiresGrad(true)
	x := randn(2, 2, 3).SetRequiresGrad(true)
	outside := Tanh(x) // computed outside the checkpoint
	for name, c := range map[string]struct {
		fn   func(in []*Tensor) *Tensor
		want string
	}{
		"parameter not in params": {func(in []*Tensor) *Tensor { return MatMul(in[0], w) }, "neither among its inputs nor its params"},
		"computed tensor read":    {func(in []*Tensor) *Tensor { return Add(in[0], outside) }, "computed outside it"},
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), c.want) {
					t.Errorf("%s: recovered %v, want a panic saying %q", name, r, c.want)
				}
			}()
			Sum(Checkpoint(c.fn, []*Tensor{x}, nil)).Backward()
		}()
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "not differentiable twice") {
			t.Errorf("Grad with createGraph through a checkpoint: %v", r)
		}
	}()
	y := Checkpoint(func(in []*Tensor) *Tensor { return Square(in[0]) }, []*Tensor{x}, nil)
	Grad([]*Tensor{Sum(y)}, []*Tensor{x}, true)
}
