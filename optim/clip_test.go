package optim

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

func TestClipGradNormScalesToMaxNormAndReturnsPreClipNorm(t *testing.T) {
	a, b, c := param("a", 0, 0), param("b", 0), param("c", 0)
	setGrad(a, 3, 0)
	setGrad(b, 4)
	norm := ClipGradNorm([]nn.Param{a, b, c}, 1)
	near(t, "norm", norm, 5, 1e-12)
	coef := 1 / (5 + 1e-6)
	nearSlice(t, "a", a.Tensor.Grad().Data(), []float64{3 * coef, 0}, 1e-7)
	nearSlice(t, "b", b.Tensor.Grad().Data(), []float64{4 * coef}, 1e-7)
	if c.Tensor.Grad() != nil {
		t.Error("a parameter without gradient got one")
	}
}

func TestClipGradNormLeavesSmallGradientsAlone(t *testing.T) {
	a := param("a", 0, 0)
	setGrad(a, 0.3, 0.4)
	near(t, "norm", ClipGradNorm([]nn.Param{a}, 1), 0.5, 1e-7)
	nearSlice(t, "a", a.Tensor.Grad().Data(), []float64{0.3, 0.4}, 1e-7)
}

func TestClipGradNormScalesSharedGradientStorageOnce(t *testing.T) {
	a := tensor.FromSlice([]float32{1, 2}).SetRequiresGrad(true)
	b := tensor.FromSlice([]float32{3, 4}).SetRequiresGrad(true)
	tensor.Sum(tensor.Add(a, b)).Backward() // both gradients may be one tensor
	ps := []nn.Param{{Name: "a", Tensor: a}, {Name: "b", Tensor: b}}
	norm := ClipGradNorm(ps, 1)
	near(t, "norm", norm, 2, 1e-7)
	want := 1 / (2 + 1e-6)
	nearSlice(t, "a", a.Grad().Data(), []float64{want, want}, 1e-7)
	nearSlice(t, "b", b.Grad().Data(), []float64{want, want}, 1e-7)
}

func TestClipGradValueClamps(t *testing.T) {
	a := param("a", 0, 0, 0, 0)
	setGrad(a, -3, -0.5, 0.5, 7)
	ClipGradValue([]nn.Param{a}, 1)
	nearSlice(t, "a", a.Tensor.Grad().Data(), []float64{-1, -0.5, 0.5, 1}, 0)
}

func TestEMAConstantDecay(t *testing.T) {
	p := param("w", 0)
	e, err := NewEMA([]nn.Param{p}, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	ps := []nn.Param{p}
	p.Tensor.Data()[0] = 1
	e.Update(ps) // the first update copies (diffusers' convention)
	p.Tensor.Data()[0] = 2
	e.Update(ps)
	near(t, "shadow", float64(e.State().Tensor("w").Data()[0]), 0.9*1+0.1*2, 1e-7)
}

func TestEMAWarmupDecay(t *testing.T) {
	e, _ := NewEMA([]nn.Param{param("w", 0)}, 0.999)
	e.Power, e.InvGamma, e.UpdateAfterStep = 0.75, 1, 2
	want := []float64{0, 0, 0, 1 - math.Pow(2, -0.75), 1 - math.Pow(3, -0.75)}
	for n, w := range want {
		near(t, "decay", e.decayAt(n+1), w, 1e-12)
	}
	near(t, "capped", e.decayAt(1e9), 0.999, 1e-12)
	e.MinDecay = 0.5
	near(t, "floored", e.decayAt(4), 0.5, 1e-12)
	near(t, "copy before UpdateAfterStep", e.decayAt(3), 0, 0)
}

func TestEMANumUpdatesWarmupFollowsTheWeightsEarlyAndReachesDecay(t *testing.T) {
	e, _ := NewEMA([]nn.Param{param("w", 0)}, 0.999)
	e.Warmup = true
	// decay(t) = min(0.999, (1+t)/(10+t)), t = n - 1: a copy first.
	for n, want := range map[int]float64{1: 0, 2: 2.0 / 11, 11: 11.0 / 20, 101: 101.0 / 110, 1001: 1001.0 / 1010, 8991: 0.999, 100000: 0.999} {
		near(t, fmt.Sprintf("decay at update %d", n), e.decayAt(n), want, 1e-12)
	}
	// After 100 updates of a weight that moved from 0 to 1 at once, the
	// average is near 1 (≈ 0.99), where a constant 0.999 would still be
	// at 0.095: the initial value has all but left it.
	p := param("w", 0)
	warm, _ := NewEMA([]nn.Param{p}, 0.999)
	warm.Warmup = true
	cold, _ := NewEMA([]nn.Param{p}, 0.999)
	warm.Update([]nn.Param{p}) // the copy of the initial value
	cold.Update([]nn.Param{p})
	p.Tensor.Data()[0] = 1
	for range 100 {
		warm.Update([]nn.Param{p})
		cold.Update([]nn.Param{p})
	}
	if w, c := warm.State().Tensor("w").Data()[0], cold.State().Tensor("w").Data()[0]; !(w > 0.98) || !(c < 0.1) {
		t.Errorf("after 100 updates: warm-up average %v (want > 0.98), constant-decay average %v (want < 0.1)", w, c)
	}
}

func TestEMASwapTwiceRestoresAndCopyToWritesAverage(t *testing.T) {
	p := param("w", 1, 2)
	ps := []nn.Param{p}
	e, _ := NewEMA(ps, 0.5)
	e.Update(ps)
	copy(p.Tensor.Data(), []float32{3, 4})
	e.Update(ps) // shadow = (2, 3)
	e.Swap(ps)
	nearSlice(t, "swapped", p.Tensor.Data(), []float64{2, 3}, 0)
	e.Swap(ps)
	nearSlice(t, "restored", p.Tensor.Data(), []float64{3, 4}, 0)
	boom := errors.New("boom")
	err := e.With(ps, func() error {
		nearSlice(t, "with", p.Tensor.Data(), []float64{2, 3}, 0)
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("With returned %v, want fn's error", err)
	}
	nearSlice(t, "restored after With", p.Tensor.Data(), []float64{3, 4}, 0)
	e.CopyTo(ps)
	nearSlice(t, "copied", p.Tensor.Data(), []float64{2, 3}, 0)
	if err := e.Update([]nn.Param{param("v", 1, 2)}); err == nil {
		t.Error("Update with other parameters accepted")
	}
}

func TestEMAStateRoundTrip(t *testing.T) {
	p := param("w", 1, 2)
	ps := []nn.Param{p}
	e, _ := NewEMA(ps, 0.9)
	e.Power = 2.0 / 3
	for i := range 4 {
		p.Tensor.Data()[0] = float32(i)
		e.Update(ps)
	}
	f, _ := NewEMA(ps, 0.9)
	f.Power = 2.0 / 3
	if err := f.LoadState(e.State()); err != nil {
		t.Fatal(err)
	}
	p.Tensor.Data()[1] = 7
	e.Update(ps)
	f.Update(ps)
	if a, b := e.State().Tensor("w").Data(), f.State().Tensor("w").Data(); a[0] != b[0] || a[1] != b[1] || f.Updates() != 5 {
		t.Errorf("resumed EMA %v, uninterrupted %v", b, a)
	}
	bad := e.State()
	bad.Tensors[0].Name = "v"
	if err := f.LoadState(bad); err == nil {
		t.Error("state of another parameter accepted")
	}
}

func TestGradientHookRunsBeforeEveryUpdateOnTheParameters(t *testing.T) {
	for _, newOpt := range []func([]nn.Param) (Optimizer, error){
		func(ps []nn.Param) (Optimizer, error) { return NewAdam(ps, AdamConfig{LR: 0.1}) },
		func(ps []nn.Param) (Optimizer, error) { return NewSGD(ps, SGDConfig{LR: 0.1}) },
		func(ps []nn.Param) (Optimizer, error) { return NewRMSProp(ps, RMSPropConfig{LR: 0.1}) },
	} {
		p := param("w", 1)
		setGrad(p, 5)
		o, err := newOpt([]nn.Param{p})
		if err != nil {
			t.Fatal(err)
		}
		var seen float32
		calls := 0
		o.SetGradientHook(func(ps []nn.Param) {
			calls++
			seen = ps[0].Tensor.Grad().Data()[0]
			ps[0].Tensor.Grad().Data()[0] = 0 // a hook may change the gradient
		})
		o.Step()
		if seen != 5 || calls != 1 {
			t.Errorf("%T: the hook ran %d times and saw gradient %v, want once and 5", o, calls, seen)
		}
		if w := p.Tensor.Data()[0]; w != 1 {
			t.Errorf("%T: the update used the gradient before the hook: weight %v, want 1 (gradient 0)", o, w)
		}
	}
}
