package bench

import (
	"bufio"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"
)

// peakMemory runs fn and returns the largest live heap seen while it ran
// (sampled every millisecond from runtime/metrics) and the process's peak
// resident set over it, in bytes. The resident-set high-water mark is
// reset first (Linux's /proc/self/clear_refs); where it cannot be read
// the second value is 0.
func peakMemory(fn func()) (heap, rss float64) {
	// Return the heap freed since the last run to the OS, so that a
	// workload run again in the same process starts from the same RSS.
	debug.FreeOSMemory()
	resetPeakRSS()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var mu sync.Mutex
	var peak uint64
	read := func() {
		metrics.Read(sample)
		mu.Lock()
		peak = max(peak, sample[0].Value.Uint64())
		mu.Unlock()
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				read()
			}
		}
	}()
	fn()
	read()
	close(done)
	wg.Wait()
	return float64(peak), peakRSS()
}

// startRSS is the resident set when the package was initialised, at the
// start of the process.
var startRSS = statusKB("VmRSS:") * 1024

// resetPeakRSS resets the kernel's resident-set high-water mark of this
// process (VmHWM), where Linux allows it.
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// peakRSS returns VmHWM from /proc/self/status in bytes, or 0.
func peakRSS() float64 { return statusKB("VmHWM:") * 1024 }

// statusKB returns the value in kB of the /proc/self/status line that
// starts with key, or 0.
func statusKB(key string) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key); ok {
			fields := strings.Fields(rest)
			if len(fields) > 0 {
				if kb, err := strconv.ParseFloat(fields[0], 64); err == nil {
					return kb
				}
			}
		}
	}
	return 0
}
