package goroutine

import (
	"sync"
	"testing"
)

func TestIDIsStableWithinAGoroutine(t *testing.T) {
	first := ID()
	for i := 0; i < 1000; i++ {
		// Grow the stack between calls: the runtime moves stacks, and the
		// identity must not move with them.
		if got := deep(i % 50); got != first {
			t.Fatalf("ID changed from %#x to %#x within one goroutine", first, got)
		}
	}
	if first == 0 {
		t.Fatal("ID is 0")
	}
}

func deep(n int) uintptr {
	var pad [256]byte
	if n == 0 {
		return ID() + uintptr(pad[0])
	}
	return deep(n - 1)
}

func TestIDDiffersBetweenLiveGoroutines(t *testing.T) {
	const n = 64
	ids := make([]uintptr, n)
	var started, done sync.WaitGroup
	release := make(chan struct{})
	for i := range ids {
		started.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ids[i] = ID()
			started.Done()
			<-release // stay alive until every goroutine has its ID
		}()
	}
	started.Wait()
	close(release)
	done.Wait()
	seen := map[uintptr]int{ID(): -1}
	for i, id := range ids {
		if j, ok := seen[id]; ok {
			t.Fatalf("goroutines %d and %d, alive at the same time, share ID %#x", i, j, id)
		}
		seen[id] = i
	}
}

func BenchmarkID(b *testing.B) {
	for b.Loop() {
		ID()
	}
}
