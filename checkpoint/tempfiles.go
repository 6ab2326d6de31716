package checkpoint

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// StaleTempAge is how long the temporary file of an atomic write may go
// unmodified before a later write of the same file removes it whoever
// wrote it. A live writer modifies its file at every flush of its 1 MiB
// buffer and then only syncs and renames it, so an hour without a change
// means it was killed, on this machine or another sharing the directory.
const StaleTempAge = time.Hour

// tempPrefix is the start of the names of path's temporary files; the
// writer's process id and a random number follow: .NAME.tmp-PID-RANDOM.
func tempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// removeStaleTemps removes the temporary files that earlier writes of
// path left when they were killed (a temporary file is otherwise always
// renamed or removed): those whose writer process no longer runs on this
// machine, and those untouched for StaleTempAge. A file of a live writer
// is left alone, so two processes writing the same path do not break each
// other. Removal is best effort: the write that follows reports what
// matters.
func removeStaleTemps(path string) {
	dir, prefix := filepath.Dir(path), tempPrefix(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	now := time.Now()
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		if now.Sub(info.ModTime()) > StaleTempAge || writerGone(rest) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// writerGone reports whether the process that named a temporary file
// PID-RANDOM has ended. Names without a process id (files written before
// it was recorded) are left to the age rule.
func writerGone(rest string) bool {
	pidText, _, ok := strings.Cut(rest, "-")
	pid, err := strconv.Atoi(pidText)
	return ok && err == nil && pid > 0 && processGone(pid)
}
