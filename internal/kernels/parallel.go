package kernels

import (
	"os"
	"runtime"
	"strconv"
	"sync"
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
// run on the calling goroutine.
func Parallel(n, grain int, fn func(lo, hi int)) {
	workers := min(threads, n/max(grain, 1))
	if workers <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := chunk; lo < n; lo += chunk {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			fn(lo, hi)
		}(lo, min(lo+chunk, n))
	}
	fn(0, min(chunk, n))
	wg.Wait()
}
