package tensor

import (
	"math"
	"sync"
	"testing"
)

func TestEnableGradRecordsInsideNoGradAndRestoresIt(t *testing.T) {
	x := FromSlice([]float32{1, 2, 3}, 3).SetRequiresGrad(true)
	NoGrad(func() {
		NoGrad(func() {
			var g *Tensor
			EnableGrad(func() {
				if !GradEnabled() {
					t.Fatal("EnableGrad: recording is off inside fn")
				}
				y := Sum(Mul(x, x))
				g = Grad([]*Tensor{y}, []*Tensor{x}, false)[0]
			})
			for i, want := range []float32{2, 4, 6} {
				if g.Data()[i] != want {
					t.Errorf("d(Σx²)/dx[%d] = %g, want %g", i, g.Data()[i], want)
				}
			}
			if GradEnabled() {
				t.Error("recording is on after EnableGrad returned inside NoGrad")
			}
			if y := Mul(x, x); y.RequiresGrad() {
				t.Error("an op after EnableGrad recorded a graph inside NoGrad")
			}
		})
		if GradEnabled() {
			t.Error("the outer NoGrad was undone")
		}
	})
	if !GradEnabled() {
		t.Error("recording is off after the outer NoGrad")
	}
}

// The scenario of issue 19: one goroutine trains while others sample under
// NoGrad, sharing the parameter. Training must record every step and get
// the exact gradient; sampling must record nothing. With a process-wide
// switch the trainer's first step already finds recording off.
func TestNoGradInOneGoroutineLeavesTrainingInAnotherRecording(t *testing.T) {
	const steps = 40
	w := FromSlice([]float32{0.5, -1, 0.25, 2, -0.75, 1.5}, 2, 3).SetRequiresGrad(true)
	x := FromSlice([]float32{1, -2, 0.5, 3}, 2, 2)
	// loss = Σ (x·w)², so dloss/dw = 2 xᵀ(x·w), computed here in float64.
	want := make([]float64, 6)
	for i := 0; i < 2; i++ {
		for j := 0; j < 3; j++ {
			for r := 0; r < 2; r++ {
				var y float64
				for k := 0; k < 2; k++ {
					y += float64(x.At(r, k)) * float64(w.At(k, j))
				}
				want[i*3+j] += 2 * float64(x.At(r, i)) * y
			}
		}
	}

	stop := make(chan struct{})
	var samplers sync.WaitGroup
	sample := func(z *Tensor) {
		if GradEnabled() {
			t.Error("sampler: recording is on inside NoGrad")
		}
		if y := Tanh(MatMul(z, w)); y.RequiresGrad() {
			t.Error("sampler: an op on the parameter recorded a graph inside NoGrad")
		}
	}
	// One sampler stays inside a single NoGrad for the whole test, so its
	// scope overlaps every training step.
	inside := make(chan struct{})
	samplers.Add(1)
	go func() {
		defer samplers.Done()
		NoGrad(func() {
			close(inside)
			for z := randn(1, 5, 2); ; {
				select {
				case <-stop:
					return
				default:
					sample(z)
				}
			}
		})
	}()
	// Another enters and leaves NoGrad for every sample.
	samplers.Add(1)
	go func() {
		defer samplers.Done()
		for z := randn(2, 5, 2); ; {
			select {
			case <-stop:
				return
			default:
				NoGrad(func() { sample(z) })
			}
		}
	}()
	<-inside

	for step := 0; step < steps; step++ {
		if !GradEnabled() {
			t.Fatalf("step %d: recording is off in the training goroutine while another goroutine samples", step)
		}
		w.ZeroGrad()
		y := MatMul(x, w)
		loss := Sum(Mul(y, y))
		if !loss.RequiresGrad() {
			t.Fatalf("step %d: the loss recorded no graph while another goroutine samples", step)
		}
		loss.Backward()
		for i, g := range w.Grad().Data() {
			if math.Abs(float64(g)-want[i]) > 1e-5*math.Max(1, math.Abs(want[i])) {
				t.Fatalf("step %d: dloss/dw[%d] = %g, want %g", step, i, g, want[i])
			}
		}
	}
	close(stop)
	samplers.Wait()
	if off.Load() != nil {
		t.Errorf("%d goroutines still listed in a recording scope after all returned", len(*off.Load()))
	}
}

func TestGoroutineStartedInsideNoGradRecords(t *testing.T) {
	x := Ones(3).SetRequiresGrad(true)
	var recorded bool
	NoGrad(func() {
		done := make(chan struct{})
		go func() {
			defer close(done)
			recorded = Mul(x, x).RequiresGrad()
		}()
		<-done
	})
	if !recorded {
		t.Error("a goroutine started inside NoGrad did not record: the scope leaked to it")
	}
}

func TestNoGradIsUndoneWhenFnPanics(t *testing.T) {
	func() {
		defer func() { _ = recover() }()
		NoGrad(func() { panic("sampler failed") })
	}()
	if !GradEnabled() {
		t.Error("recording is still off after a NoGrad whose fn panicked")
	}
	if off.Load() != nil {
		t.Error("the panicking goroutine is still listed in a recording scope")
	}
}

// BenchmarkRecordSmallOp measures the per-op cost of the recording check
// on an op small enough that the check matters: training with no scope
// anywhere, inside NoGrad, and training while another goroutine is inside
// NoGrad (the case that needs the goroutine's identity).
func BenchmarkRecordSmallOp(b *testing.B) {
	w := Ones(4).SetRequiresGrad(true)
	x := Ones(4)
	run := func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Add(x, w)
		}
	}
	b.Run("recording", run)
	b.Run("nograd", func(b *testing.B) { NoGrad(func() { run(b) }) })
	b.Run("recording-beside-nograd", func(b *testing.B) {
		inside, stop, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			NoGrad(func() { close(inside); <-stop })
		}()
		<-inside
		run(b)
		close(stop)
		<-done
	})
}

// BenchmarkNoGradCall measures entering and leaving a NoGrad scope, which
// some ops do internally (LogSumExp) and Backward does once.
func BenchmarkNoGradCall(b *testing.B) {
	for b.Loop() {
		NoGrad(func() {})
	}
}

// BenchmarkGradEnabled measures the recording check alone, which every op
// with an input that needs a gradient makes.
func BenchmarkGradEnabled(b *testing.B) {
	run := func(b *testing.B) {
		for b.Loop() {
			GradEnabled()
		}
	}
	b.Run("recording", run)
	b.Run("nograd", func(b *testing.B) { NoGrad(func() { run(b) }) })
	b.Run("recording-beside-nograd", func(b *testing.B) {
		inside, stop, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			NoGrad(func() { close(inside); <-stop })
		}()
		<-inside
		run(b)
		close(stop)
		<-done
	})
}
