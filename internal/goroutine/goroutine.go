// Package goroutine identifies the calling goroutine, so that a setting can
// belong to one goroutine (the tensor package's gradient-recording scope)
// without a context argument on every call below it.
//
// Go deliberately has no goroutine-local storage and no public goroutine
// id. On amd64 and arm64 ID reads the runtime's per-goroutine descriptor
// pointer, which the runtime keeps in thread-local storage (amd64) or in a
// reserved register (arm64) for its own use; it costs a few nanoseconds.
// Elsewhere ID parses the header of runtime.Stack, which is correct but
// costs about a microsecond, so callers should ask only when they must.
package goroutine

// ID returns a value that identifies the calling goroutine: it does not
// change while the goroutine runs, and no two goroutines alive at the same
// time share it. After a goroutine exits its value may be given to a new
// one, so a table keyed by ID must drop a goroutine's entry before the
// goroutine ends (a deferred call does).
func ID() uintptr { return id() }
