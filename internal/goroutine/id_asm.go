//go:build (amd64 || arm64) && !noasm

package goroutine

// id returns the address of the runtime's descriptor of the calling
// goroutine (its g), which lives as long as the goroutine does.
func id() uintptr
