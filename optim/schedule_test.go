package optim

import (
	"math"
	"testing"

	"github.com/artifex-go/artifex/nn"
)

func TestSchedulesAtKnownSteps(t *testing.T) {
	seq, err := Sequential([]Schedule{Linear(1, 0.1, 1, 4), Exponential(1, 0.5)}, []int{4})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		s    Schedule
		step int
		want float64
	}{
		{"constant", Constant(0.3), 1000, 0.3},
		{"warmup start", LinearWarmup(1e-3, 100), 0, 0},
		{"warmup middle", LinearWarmup(1e-3, 100), 25, 0.25e-3},
		{"warmup end", LinearWarmup(1e-3, 100), 100, 1e-3},
		{"warmup after", LinearWarmup(1e-3, 100), 5000, 1e-3},
		{"cosine warmup", CosineWithWarmup(1, 0.1, 10, 110), 5, 0.5},
		{"cosine peak", CosineWithWarmup(1, 0.1, 10, 110), 10, 1},
		{"cosine half", CosineWithWarmup(1, 0.1, 10, 110), 60, 0.55},
		{"cosine end", CosineWithWarmup(1, 0.1, 10, 110), 110, 0.1},
		{"cosine after", CosineWithWarmup(1, 0.1, 10, 110), 500, 0.1},
		{"annealing quarter", Cosine(1, 0, 8), 2, 0.5 * (1 + math.Sqrt2/2)},
		{"annealing end", Cosine(1, 0.2, 8), 8, 0.2},
		{"step before", StepDecay(0.1, 30, 0.1), 29, 0.1},
		{"step at", StepDecay(0.1, 30, 0.1), 30, 0.01},
		{"step twice", StepDecay(0.1, 30, 0.1), 65, 0.001},
		{"exponential", Exponential(2, 0.9), 3, 2 * 0.729},
		{"linear start", Linear(1, 1.0/3, 1, 4), 0, 1.0 / 3},
		{"linear middle", Linear(1, 1.0/3, 1, 4), 2, 2.0 / 3},
		{"linear end", Linear(1, 1.0/3, 1, 4), 9, 1},
		{"sequential first", seq, 3, 0.1 + 0.9*0.75},
		{"sequential restart", seq, 4, 1},
		{"sequential second", seq, 6, 0.25},
	}
	for _, c := range cases {
		near(t, c.name, c.s.LR(c.step), c.want, 1e-12)
	}
}

func TestSequentialRejectsBadMilestones(t *testing.T) {
	if _, err := Sequential([]Schedule{Constant(1), Constant(2)}, nil); err == nil {
		t.Error("missing milestone accepted")
	}
	if _, err := Sequential([]Schedule{Constant(1), Constant(2), Constant(3)}, []int{5, 5}); err == nil {
		t.Error("repeated milestone accepted")
	}
}

func TestScheduledSetsLRFromStepCount(t *testing.T) {
	p := param("w", 0)
	o, _ := NewSGD([]nn.Param{p}, SGDConfig{})
	s := Scheduled{o, StepDecay(1, 2, 0.5)}
	var moved []float32
	for range 5 {
		before := p.Tensor.Data()[0]
		setGrad(p, -1)
		s.Step()
		moved = append(moved, p.Tensor.Data()[0]-before)
	}
	want := []float64{1, 1, 0.5, 0.5, 0.25}
	nearSlice(t, "moves", moved, want, 1e-7)
}
