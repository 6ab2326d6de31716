package datatest

import "testing"

// recorder is a testing.TB that records whether it was skipped or failed.
type recorder struct {
	testing.TB
	skipped, failed bool
}

func (r *recorder) Helper()              {}
func (r *recorder) Skip(...any)          { r.skipped = true }
func (r *recorder) Fatal(...any)         { r.failed = true }
func (r *recorder) Skipf(string, ...any) { r.skipped = true }

func TestMissingDataSkipsOutsideCIAndFailsInCI(t *testing.T) {
	t.Setenv("CI", "")
	r := &recorder{TB: t}
	Skipf(r, "MNIST is not installed: %v", "no files")
	if !r.skipped || r.failed {
		t.Errorf("outside CI: skipped %v failed %v, want a skip", r.skipped, r.failed)
	}
	t.Setenv("CI", "true")
	r = &recorder{TB: t}
	Skip(r, "MNIST is not installed")
	if r.skipped || !r.failed {
		t.Errorf("in CI: skipped %v failed %v, want a failure", r.skipped, r.failed)
	}
}
