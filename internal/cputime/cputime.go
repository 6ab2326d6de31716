// Package cputime reads the CPU time the process has used, so that quality
// runs can be given a CPU budget that does not shrink when other jobs share
// the machine (a wall-clock budget does).
package cputime

import "time"

// Used returns the user plus system CPU time of the process so far, over all
// its threads. Where the system cannot report it, it returns the wall time
// since the first call multiplied by GOMAXPROCS, the most the process could
// have used.
func Used() time.Duration { return used() }

// Budget is a CPU-time allowance: 30 minutes on a 2-core machine are
// Budget{Wall: 30 * time.Minute, Cores: 2}, 60 CPU-minutes.
type Budget struct {
	Wall  time.Duration
	Cores int
	start time.Duration
}

// Start begins spending the budget from the CPU time used so far.
func (b *Budget) Start() { b.start = Used() }

// Spent returns the CPU time used since Start.
func (b *Budget) Spent() time.Duration { return Used() - b.start }

// Exhausted reports whether Wall·Cores of CPU time have been used since Start.
func (b *Budget) Exhausted() bool { return b.Spent() >= b.Wall*time.Duration(max(b.Cores, 1)) }
