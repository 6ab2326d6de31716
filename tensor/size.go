package tensor

import (
	"fmt"
	"os"
	"strconv"

	"github.com/artifex-go/artifex/internal/sysmem"
)

// MaxElements is the most values one tensor may hold. Creating a larger
// one panics with a *SizeError before any memory is taken, so that a
// configuration asking for terabytes (hidden_dims: [2000000000, 256])
// gets an error that the factory and the trainer report, instead of the
// runtime's fatal "out of memory" or the kernel's OOM killer. It defaults
// to $ARTIFEX_MAX_TENSOR_ELEMENTS when set, else half of the machine's
// memory in float32 values (2³² where the memory cannot be read); a
// program may change it before building models.
var MaxElements = defaultMaxElements()

// SizeError is the panic value of a tensor shape over MaxElements (or
// whose size overflows an int).
type SizeError struct {
	Shape []int
	Limit int
}

// Error says the shape, its size and the limit.
func (e *SizeError) Error() string {
	n := 1.0
	for _, d := range e.Shape {
		n *= float64(d)
	}
	return fmt.Sprintf("a tensor of shape %v would hold %.3g values (%.3g GB), over the limit of %d values (%.3g GB; tensor.MaxElements, by default half of this machine's memory)",
		e.Shape, n, 4*n/1e9, e.Limit, 4*float64(e.Limit)/1e9)
}

// defaultMaxElements is $ARTIFEX_MAX_TENSOR_ELEMENTS, else half of
// MemTotal (Linux /proc/meminfo) in float32 values, else 2³².
func defaultMaxElements() int {
	if n, err := strconv.ParseInt(os.Getenv("ARTIFEX_MAX_TENSOR_ELEMENTS"), 10, 64); err == nil && n > 0 {
		return int(n)
	}
	if total := sysmem.Total(); total > 0 {
		return int(total / 2 / 4)
	}
	return 1 << 32
}
