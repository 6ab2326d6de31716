package kernels

import (
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"time"
)

var threads = defaultThreads()

func defaultThreads() int {
	if s := os.Getenv("ARTIFEX_THREADS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return runtime.GOMAXPROCS(0)
}

// Threads returns how many goroutines parallel kernels use: ARTIFEX_THREADS
// if set, otherwise GOMAXPROCS.
func Threads() int { return threads }

// SetThreads changes the parallelism of the kernels (n < 1 means 1).
func SetThreads(n int) { threads = max(n, 1) }

// Parallel splits [0, n) into at most Threads() contiguous chunks of at least
// grain items and runs fn on each, returning when all are done. Small jobs
// run on the calling goroutine, and so does a Parallel that starts while
// another is running (one nested in a chunk, or on another goroutine): the
// cores are busy already.
//
// The chunks after the first go to the pool's long-lived workers, which
// wait for the next job by spinning a while before they sleep. Starting a
// goroutine per chunk left the other core idle until the runtime woke a
// thread for it: a ReLU over 0.8 M floats split over two cores took longer
// than one call on one core (BenchmarkParallelLeakyReLU: 88-103 µs against
// 65-78; with the workers 40-43 µs).
func Parallel(n, grain int, fn func(lo, hi int)) {
	workers := min(threads, n/max(grain, 1))
	if workers <= 1 || !pool.busy.CompareAndSwap(false, true) {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	chunk := (n + workers - 1) / workers
	ws := pool.take(workers - 1)
	used := 0
	defer func() {
		// Also when fn panics on this goroutine: the workers still
		// hold chunks of the job and must finish before the next.
		for _, w := range ws[:used] {
			w.await()
		}
		pool.busy.Store(false)
	}()
	for lo := chunk; lo < n; lo += chunk {
		ws[used].start(fn, lo, min(lo+chunk, n))
		used++
	}
	fn(0, min(chunk, n))
}

// spinFor is how long an idle worker polls for its next job before it
// sleeps: longer than the serial stretches between the parallel ops of a
// training step (at 100 µs a DDPM step was 8 % slower, its workers waking
// from sleep), short enough that an idle process soon stops using CPU.
// OpenMP's default spin before sleeping is of the same order.
const spinFor = time.Millisecond

// workerPool holds the workers of Parallel; busy is held by the Parallel
// that uses them, and only that one touches workers.
type workerPool struct {
	busy    atomic.Bool
	workers []*worker
}

var pool workerPool

// procs is GOMAXPROCS as the workers last read it.
var procs atomic.Int32

func init() { procs.Store(int32(runtime.GOMAXPROCS(0))) }

// take returns n workers, starting any that do not exist yet; the caller
// holds busy.
func (p *workerPool) take(n int) []*worker {
	for len(p.workers) < n {
		w := &worker{index: len(p.workers), wake: make(chan struct{}, 1)}
		p.workers = append(p.workers, w)
		go w.run()
	}
	return p.workers[:n]
}

// worker runs the chunks handed to it, one job at a time. The job's fields
// are written before seq is increased and read after it is seen, so the
// atomic orders them; done echoes seq when the chunk is finished.
type worker struct {
	index     int // among the workers: chunk index+1 of a job
	seq, done atomic.Uint64
	sleeping  atomic.Bool
	wake      chan struct{}
	fn        func(lo, hi int)
	lo, hi    int
}

func (w *worker) start(fn func(lo, hi int), lo, hi int) {
	w.fn, w.lo, w.hi = fn, lo, hi
	w.seq.Add(1)
	if w.sleeping.Load() {
		select {
		case w.wake <- struct{}{}:
		default: // a wake-up is pending already
		}
	}
}

// await returns when the worker has finished its current chunk. It polls,
// yielding now and then in case the worker waits for this processor
// (GOMAXPROCS below the thread count); yielding at every poll took the
// scheduler's lock thousands of times a step.
func (w *worker) await() {
	want := w.seq.Load()
	for i := 1; w.done.Load() != want; i++ {
		if i%1024 == 0 {
			runtime.Gosched()
		}
	}
}

func (w *worker) run() {
	var seen uint64
	for {
		// Spin only while the caller and the spinning workers fit the
		// runtime's processors; beyond them a spinner would hold a
		// processor that the caller is waiting for.
		spin := spinFor
		if w.index+2 > int(procs.Load()) {
			spin = 0
		}
		t0 := time.Now()
		for i := 1; w.seq.Load() == seen; i++ {
			if i%256 != 0 || time.Since(t0) < spin {
				continue
			}
			// Announce the sleep, then look once more: either start sees
			// sleeping and sends a wake-up, or this load sees its job.
			w.sleeping.Store(true)
			if w.seq.Load() == seen {
				// GOMAXPROCS takes the scheduler's lock: read it when
				// about to block anyway, not for every job.
				procs.Store(int32(runtime.GOMAXPROCS(0)))
				<-w.wake
			}
			w.sleeping.Store(false)
			t0 = time.Now()
		}
		seen = w.seq.Load()
		w.fn(w.lo, w.hi)
		w.fn = nil
		w.done.Store(seen)
	}
}
