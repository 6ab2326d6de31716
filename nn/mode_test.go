package nn

import (
	"math"
	"testing"

	"github.com/artifex-go/artifex/tensor"
)

func TestDropoutIsTheIdentityInEvaluation(t *testing.T) {
	d := NewDropout(NewRngs(1), 0.5)
	SetTraining(d, false)
	x := randn(1, 4, 8)
	assertClose(t, "eval", d.Forward(x).Data(), x.Data(), 0, 0)
	zero := NewDropout(NewRngs(1), 0)
	assertClose(t, "rate 0 in training", zero.Forward(x).Data(), x.Data(), 0, 0)
}

func TestDropoutZeroesAFractionRateAndScalesSurvivorsInTraining(t *testing.T) {
	const rate, n = 0.3, 100000
	d := NewDropout(NewRngs(1), rate)
	x := tensor.Full(2, n)
	y := d.Forward(x).Data()
	zeros, sum := 0, 0.0
	for _, v := range y {
		switch v {
		case 0:
			zeros++
		case float32(2 / (1 - rate)):
		default:
			t.Fatalf("output %v is neither 0 nor the input scaled by 1/(1-rate) = %v", v, float32(2/(1-rate)))
		}
		sum += float64(v)
	}
	// Binomial: the standard deviation of the zero fraction is √(p(1-p)/n) ≈ 0.0015.
	if f := float64(zeros) / n; math.Abs(f-rate) > 0.01 {
		t.Errorf("fraction of zeros %.4f, want %.2f", f, rate)
	}
	if m := sum / n; math.Abs(m-2) > 0.03 {
		t.Errorf("mean %.4f, want the input's 2 (expectation preserved)", m)
	}
	again := d.Forward(x).Data()
	same := true
	for i := range y {
		same = same && y[i] == again[i]
	}
	if same {
		t.Error("two training passes drew the same mask")
	}
	mustPanic(t, "rate 1", "rate 1", func() { NewDropout(NewRngs(1), 1) })
}

func TestDropoutGradientFollowsTheMask(t *testing.T) {
	d := NewDropout(NewRngs(1), 0.5)
	x := randn(1, 64).SetRequiresGrad(true)
	y := d.Forward(x)
	tensor.Sum(y).Backward()
	for i, v := range y.Data() {
		want := float32(0)
		if v != 0 {
			want = 2
		}
		if g := x.Grad().Data()[i]; g != want {
			t.Fatalf("gradient %v at an element whose output is %v, want %v", g, v, want)
		}
	}
}

func TestDropoutsAreReproducibleFromTheSeed(t *testing.T) {
	x := tensor.Ones(256)
	a := NewDropout(NewRngs(7), 0.5).Forward(x)
	b := NewDropout(NewRngs(7), 0.5).Forward(x)
	assertClose(t, "same seed", a.Data(), b.Data(), 0, 0)
}

// modeModel holds mode-switching layers in every way a model may: through
// pointers, by value, in slices, arrays, maps and interfaces, nested.
type modeModel struct {
	Drop   *Dropout
	Norm   BatchNorm
	Blocks []struct {
		Inner struct{ Drop Dropout }
		Norms [2]*BatchNorm
	}
	ByName map[string]*Dropout
	Any    any
	Trans  *TransformerBlock
	Res    []*ResBlock
}

func newModeModel() *modeModel {
	rngs := NewRngs(1)
	m := &modeModel{
		Drop:   NewDropout(rngs, 0.1),
		Norm:   *NewBatchNorm(2),
		ByName: map[string]*Dropout{"a": NewDropout(rngs, 0.1)},
		Any:    NewBatchNorm(2),
		Trans:  NewTransformerBlock(rngs, 4, 2, 8, 0, 0.1),
		Res:    []*ResBlock{NewResBlock(rngs, 2, 2, 0, 1, 0.1)},
	}
	m.Blocks = make([]struct {
		Inner struct{ Drop Dropout }
		Norms [2]*BatchNorm
	}, 2)
	for i := range m.Blocks {
		m.Blocks[i].Inner.Drop = *NewDropout(rngs, 0.1)
		m.Blocks[i].Norms = [2]*BatchNorm{NewBatchNorm(2), NewBatchNorm(2)}
	}
	return m
}

// modes lists the training flag of every mode-switching layer of m.
func (m *modeModel) modes() map[string]bool {
	got := map[string]bool{
		"drop": m.Drop.training, "norm": m.Norm.training, "by_name/a": m.ByName["a"].training,
		"any": m.Any.(*BatchNorm).training, "trans/drop": m.Trans.Drop.training, "res/0/drop": m.Res[0].Drop.training,
	}
	for i, b := range m.Blocks {
		got["blocks/"+string(rune('0'+i))+"/inner/drop"] = b.Inner.Drop.training
		got["blocks/"+string(rune('0'+i))+"/norms/0"] = b.Norms[0].training
		got["blocks/"+string(rune('0'+i))+"/norms/1"] = b.Norms[1].training
	}
	return got
}

func TestSetTrainingWalksNestedStructs(t *testing.T) {
	m := newModeModel()
	for _, on := range []bool{false, true, false} {
		SetTraining(m, on)
		for name, mode := range m.modes() {
			if mode != on {
				t.Errorf("after SetTraining(%v), %s is in training mode %v", on, name, mode)
			}
		}
	}
}

func TestSetTrainingChangesWhatTheModelComputes(t *testing.T) {
	m := newModeModel()
	x := shifted(1, 4, 2)
	SetTraining(m, false)
	y := m.Norm.Forward(x) // running statistics 0 and 1: almost the identity
	assertClose(t, "eval BatchNorm with fresh statistics", y.Data(), x.Data(), 1e-5, 1e-5)
	SetTraining(m, true)
	assertStandardised(t, "train BatchNorm", tensor.Permute(m.Norm.Forward(x), 1, 0).Clone().Data(), 4)
}
