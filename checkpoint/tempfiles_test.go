//go:build unix

package checkpoint

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// deadPID returns the id of a process that has just ended.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestSaveRemovesOnlyStaleTempFilesOfTheSameFile(t *testing.T) {
	dir := t.TempDir()
	dead, live := deadPID(t), os.Getpid()
	hourAgo := time.Now().Add(-StaleTempAge - time.Minute)
	files := []struct {
		name  string
		old   bool
		stays bool
	}{
		{fmt.Sprintf(".ck.safetensors.tmp-%d-11", dead), false, false},     // writer killed
		{fmt.Sprintf(".ck.safetensors.tmp-%d-12", live), false, true},      // writer running
		{fmt.Sprintf(".ck.safetensors.tmp-%d-13", live), true, false},      // running, but untouched for an hour
		{".ck.safetensors.tmp-123456789", false, true},                     // no process id: by age only
		{".ck.safetensors.tmp-987654321", true, false},                     // no process id, untouched for an hour
		{fmt.Sprintf(".other.safetensors.tmp-%d-14", dead), true, true},    // another file's, cleaned when it is written
		{"ck.safetensors.tmp-1-1", true, true},                             // not a temporary name of ours
		{fmt.Sprintf(".ck.safetensors.tmp-%d-15.bak", dead), false, false}, // still our prefix and a dead writer
		{fmt.Sprintf(".ck.safetensorsx.tmp-%d-16", dead), false, true},     // another file
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		if f.old {
			os.Chtimes(p, hourAgo, hourAgo)
		}
	}
	if err := Save(filepath.Join(dir, "ck.safetensors"), []Tensor{Bytes("a", []byte("x"))}, nil); err != nil {
		t.Fatal(err)
	}
	got := listDir(t, dir)
	for _, f := range files {
		if kept := slices.Contains(got, f.name); kept != f.stays {
			t.Errorf("%s (untouched for an hour: %v): kept = %v, want %v", f.name, f.old, kept, f.stays)
		}
	}
	if !slices.Contains(got, "ck.safetensors") {
		t.Errorf("the checkpoint itself is missing: %v", got)
	}
}

// TestHelperKilledWriter is the writer that TestSaveRemovesTheTempFileOfAWriterKilledMidWrite
// kills: run alone, it skips.
func TestHelperKilledWriter(t *testing.T) {
	path := os.Getenv("ARTIFEX_TEST_KILLED_WRITER")
	if path == "" {
		t.Skip("runs only as the child of TestSaveRemovesTheTempFileOfAWriterKilledMidWrite")
	}
	writeAtomic(path, func(w io.Writer) error {
		w.Write(make([]byte, 3<<20)) // past the 1 MiB buffer: on disk
		time.Sleep(time.Minute)      // killed here
		return nil
	})
}

func TestSaveRemovesTheTempFileOfAWriterKilledMidWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "checkpoint.safetensors")
	child := exec.Command(os.Args[0], "-test.run=^TestHelperKilledWriter$")
	child.Env = append(os.Environ(), "ARTIFEX_TEST_KILLED_WRITER="+path)
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	var orphan string
	for deadline := time.Now().Add(30 * time.Second); orphan == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, name := range listDir(t, dir) {
			if info, err := os.Stat(filepath.Join(dir, name)); err == nil && strings.HasPrefix(name, ".checkpoint.safetensors.tmp-") && info.Size() >= 1<<20 {
				orphan = name
			}
		}
	}
	child.Process.Kill() // SIGKILL: no deferred clean-up runs
	child.Wait()
	if orphan == "" {
		t.Fatalf("the child wrote no temporary file: %v", listDir(t, dir))
	}
	if err := Save(path, []Tensor{Bytes("a", []byte("x"))}, nil); err != nil {
		t.Fatal(err)
	}
	if got := listDir(t, dir); !slices.Equal(got, []string{"checkpoint.safetensors"}) {
		t.Errorf("after the next write the directory holds %v, want only the checkpoint (orphan %s removed)", got, orphan)
	}
}
