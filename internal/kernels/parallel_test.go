package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// withThreads runs f with the kernels' parallelism set to n.
func withThreads(n int, f func()) {
	old := Threads()
	SetThreads(n)
	defer SetThreads(old)
	f()
}

// coverOnce runs Parallel over n items and fails unless every item was
// visited exactly once.
func coverOnce(t *testing.T, n, grain int) {
	t.Helper()
	seen := make([]int32, n)
	Parallel(n, grain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			atomic.AddInt32(&seen[i], 1)
		}
	})
	for i, c := range seen {
		if c != 1 {
			t.Fatalf("n=%d grain=%d: item %d visited %d times", n, grain, i, c)
		}
	}
}

func TestParallelCoversEveryItemOnce(t *testing.T) {
	for _, threads := range []int{1, 2, 3, 8} {
		withThreads(threads, func() {
			for _, n := range []int{0, 1, 2, 7, 100, 1001} {
				for _, grain := range []int{1, 3, 64} {
					coverOnce(t, n, grain)
				}
			}
		})
	}
}

// A Parallel inside a chunk of another, or on another goroutine while one
// runs, runs on its caller: it must still cover its range, and nothing may
// deadlock.
func TestParallelNestedAndConcurrent(t *testing.T) {
	withThreads(4, func() {
		var total atomic.Int64
		Parallel(8, 1, func(lo, hi int) {
			for range hi - lo {
				Parallel(100, 1, func(lo, hi int) { total.Add(int64(hi - lo)) })
			}
		})
		if got := total.Load(); got != 800 {
			t.Fatalf("nested: %d items, want 800", got)
		}
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 200 {
					coverOnce(t, 257, 1)
				}
			}()
		}
		wg.Wait()
	})
}

// A chunk that panics on the calling goroutine leaves the pool free for
// the next job once the workers' chunks are done.
func TestParallelRecoversFromAPanic(t *testing.T) {
	withThreads(2, func() {
		var other atomic.Bool
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("the panic did not reach the caller")
				}
			}()
			Parallel(2, 1, func(lo, hi int) {
				if lo == 0 {
					panic("chunk 0")
				}
				time.Sleep(10 * time.Millisecond)
				other.Store(true)
			})
		}()
		if !other.Load() {
			t.Fatal("Parallel returned before the worker's chunk finished")
		}
		coverOnce(t, 100, 1)
	})
}

// Idle workers stop spinning and sleep; a job wakes them. With fewer
// processors than threads they sleep at once rather than hold the
// processor the caller needs.
func TestParallelWorkersSleepWhenIdle(t *testing.T) {
	for _, procs := range []int{1, runtime.GOMAXPROCS(0)} {
		old := runtime.GOMAXPROCS(procs)
		withThreads(2, func() {
			coverOnce(t, 10, 1)
			w := pool.workers[0] // started by the job above
			deadline := time.Now().Add(5 * time.Second)
			for !w.sleeping.Load() {
				if time.Now().After(deadline) {
					t.Fatalf("GOMAXPROCS %d: the worker still spins 5 s after its job", procs)
				}
				time.Sleep(time.Millisecond)
			}
			coverOnce(t, 10, 1)
		})
		runtime.GOMAXPROCS(old)
	}
}

// BenchmarkParallelLeakyReLU times a ReLU over 0.8 M floats (a 32×32×28×28
// activation) split by Parallel, against one call on this goroutine: what
// handing a chunk to the other core costs.
func BenchmarkParallelLeakyReLU(b *testing.B) {
	x, y := make([]float32, 32*32*28*28), make([]float32, 32*32*28*28)
	for i := range x {
		x[i] = float32(i%7) - 3
	}
	b.Run("parallel", func(b *testing.B) {
		for b.Loop() {
			Parallel(len(x), 1<<15, func(lo, hi int) { LeakyReLU(y[lo:hi], x[lo:hi], 0) })
		}
	})
	b.Run("one-call", func(b *testing.B) {
		for b.Loop() {
			LeakyReLU(y, x, 0)
		}
	})
}
