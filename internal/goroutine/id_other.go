//go:build (!amd64 && !arm64) || noasm

package goroutine

import (
	"bytes"
	"runtime"
	"strconv"
)

// id returns the goroutine number that runtime.Stack prints first
// ("goroutine 18 [running]:"). Numbers are never reused, a stronger
// promise than ID makes.
func id() uintptr {
	var buf [64]byte
	s := buf[:runtime.Stack(buf[:], false)]
	s = bytes.TrimPrefix(s, []byte("goroutine "))
	if i := bytes.IndexByte(s, ' '); i > 0 {
		s = s[:i]
	}
	n, err := strconv.ParseUint(string(s), 10, 64)
	if err != nil {
		panic("goroutine: cannot read the goroutine number from runtime.Stack: " + err.Error())
	}
	return uintptr(n)
}
