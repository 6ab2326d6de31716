package optim

import (
	"fmt"
	"math"
)

// Schedule gives the learning rate for a step (counted from 0).
type Schedule interface {
	LR(step int) float64
}

// ScheduleFunc adapts a function to a Schedule.
type ScheduleFunc func(step int) float64

// LR calls f.
func (f ScheduleFunc) LR(step int) float64 { return f(step) }

// Constant always gives lr.
func Constant(lr float64) Schedule {
	return ScheduleFunc(func(int) float64 { return lr })
}

// LinearWarmup rises linearly from 0 at step 0 to lr at step warmup and
// stays there (the warm-up of transformers' and diffusers' schedulers).
func LinearWarmup(lr float64, warmup int) Schedule {
	return ScheduleFunc(func(step int) float64 { return lr * warmupFactor(step, warmup) })
}

func warmupFactor(step, warmup int) float64 {
	if step >= warmup {
		return 1
	}
	return float64(max(step, 0)) / float64(warmup)
}

// CosineWithWarmup warms up linearly to lr over warmup steps, then follows
// half a cosine from lr down to minLR at step total, and stays at minLR.
func CosineWithWarmup(lr, minLR float64, warmup, total int) Schedule {
	return ScheduleFunc(func(step int) float64 {
		if step < warmup {
			return lr * warmupFactor(step, warmup)
		}
		progress := 1.0
		if total > warmup {
			progress = math.Min(1, float64(step-warmup)/float64(total-warmup))
		}
		return minLR + (lr-minLR)*0.5*(1+math.Cos(math.Pi*progress))
	})
}

// Cosine is PyTorch's CosineAnnealingLR (closed form): lr at step 0, minLR
// at step tMax, following half a cosine in between and beyond.
func Cosine(lr, minLR float64, tMax int) Schedule {
	tMax = max(tMax, 1)
	return ScheduleFunc(func(step int) float64 {
		return minLR + (lr-minLR)*0.5*(1+math.Cos(math.Pi*float64(step)/float64(tMax)))
	})
}

// StepDecay is PyTorch's StepLR: lr·gamma^⌊step/stepSize⌋. A stepSize
// below 1 counts as 1.
func StepDecay(lr float64, stepSize int, gamma float64) Schedule {
	stepSize = max(stepSize, 1)
	return ScheduleFunc(func(step int) float64 {
		return lr * math.Pow(gamma, float64(step/stepSize))
	})
}

// Exponential is PyTorch's ExponentialLR: lr·gamma^step.
func Exponential(lr, gamma float64) Schedule {
	return ScheduleFunc(func(step int) float64 { return lr * math.Pow(gamma, float64(step)) })
}

// Linear is PyTorch's LinearLR: the factor applied to lr moves linearly
// from start to end over total steps, then stays at end.
func Linear(lr, start, end float64, total int) Schedule {
	return ScheduleFunc(func(step int) float64 {
		if total <= 0 || step >= total {
			return lr * end
		}
		return lr * (start + (end-start)*float64(step)/float64(total))
	})
}

// Sequential is PyTorch's SequentialLR: schedules[0] runs until
// milestones[0], then schedules[1] restarts from its own step 0, and so on.
// Milestones must be strictly increasing and one fewer than the schedules.
func Sequential(schedules []Schedule, milestones []int) (Schedule, error) {
	if len(schedules) == 0 || len(milestones) != len(schedules)-1 {
		return nil, fmt.Errorf("optim: Sequential: %d schedules need %d milestones, got %d",
			len(schedules), max(len(schedules)-1, 0), len(milestones))
	}
	for i, m := range milestones {
		if m < 0 || (i > 0 && m <= milestones[i-1]) {
			return nil, fmt.Errorf("optim: Sequential: milestones %v must be non-negative and strictly increasing", milestones)
		}
	}
	schedules = append([]Schedule(nil), schedules...)
	milestones = append([]int(nil), milestones...)
	return ScheduleFunc(func(step int) float64 {
		k, start := 0, 0
		for k < len(milestones) && step >= milestones[k] {
			start = milestones[k]
			k++
		}
		return schedules[k].LR(step - start)
	}), nil
}

// Scheduled is an Optimizer whose learning rate is set from Schedule before
// every step, using the optimizer's step count, so a restored optimizer
// resumes its schedule where it stopped.
type Scheduled struct {
	Optimizer
	Schedule Schedule
}

// Step sets the learning rate for the current step count and steps.
func (s Scheduled) Step() {
	s.SetLR(s.Schedule.LR(s.Steps()))
	s.Optimizer.Step()
}
