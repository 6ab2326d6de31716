package cputime

import (
	"runtime"
	"sync"
	"time"
)

var firstCall = sync.OnceValue(time.Now)

// fallback bounds the CPU time from above by wall time × GOMAXPROCS.
func fallback() time.Duration {
	return time.Since(firstCall()) * time.Duration(runtime.GOMAXPROCS(0))
}
