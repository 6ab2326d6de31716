package cputime

import (
	"testing"
	"time"
)

// Busy work must show up as CPU time; on a loaded machine it may take
// longer than its CPU time, so the wall-clock limit is generous.
func TestUsedGrowsWithWork(t *testing.T) {
	before := Used()
	x := 1.0
	for deadline := time.Now().Add(20 * time.Second); Used()-before < 20*time.Millisecond; {
		if time.Now().After(deadline) {
			t.Fatalf("20 s of busy work used %v of CPU time", Used()-before)
		}
		for i := 0; i < 1000; i++ {
			x = x*1.0000001 + 1e-9
		}
	}
	if x == 0 {
		t.Fatal("unreachable")
	}
}

func TestBudget(t *testing.T) {
	b := Budget{Wall: time.Hour, Cores: 2}
	b.Start()
	if b.Exhausted() || b.Spent() < 0 {
		t.Fatalf("fresh budget: spent %v, exhausted %v", b.Spent(), b.Exhausted())
	}
	b = Budget{Wall: 0, Cores: 2}
	b.Start()
	if !b.Exhausted() {
		t.Fatal("a zero budget is exhausted at once")
	}
}
