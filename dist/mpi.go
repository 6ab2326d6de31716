//go:build mpi

package dist

/*
#cgo pkg-config: ompi-c
#include <stdlib.h>
#include <mpi.h>

// Open MPI's predefined handles are macros over addresses of globals,
// which cgo cannot name; these wrappers name them in C.
static int dist_init(int *provided) {
	int done = 0;
	MPI_Initialized(&done);
	if (done) {
		MPI_Query_thread(provided);
		return MPI_SUCCESS;
	}
	return MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, provided);
}
static int dist_rank(int *r) { return MPI_Comm_rank(MPI_COMM_WORLD, r); }
static int dist_size(int *s) { return MPI_Comm_size(MPI_COMM_WORLD, s); }
static int dist_allreduce_sum(float *buf, int n) {
	return MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}
static int dist_bcast(void *buf, int n, int root) {
	return MPI_Bcast(buf, n, MPI_BYTE, root, MPI_COMM_WORLD);
}
static int dist_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }
static int dist_finalize(void) { return MPI_Finalize(); }
*/
import "C"

import (
	"fmt"
	"math"
	"sync"
	"unsafe"
)

// Built is "local" in a build without MPI and "mpi" in one with it.
const Built = "mpi"

// mpiComm is a Communicator over MPI_COMM_WORLD. MPI is initialised for
// serialized calls (MPI_THREAD_SERIALIZED): Go may run a goroutine on any
// thread, and the mutex keeps two goroutines from calling MPI at once.
type mpiComm struct {
	mu         sync.Mutex
	rank, size int
	closed     bool
}

// Open joins the MPI job this process was launched in (a single process
// started without a launcher is a job of one) and returns its
// communicator.
func Open() (Communicator, error) {
	var provided C.int
	if rc := C.dist_init(&provided); rc != C.MPI_SUCCESS {
		return nil, fmt.Errorf("dist: MPI_Init_thread failed (code %d)", int(rc))
	}
	if provided < C.MPI_THREAD_SERIALIZED {
		return nil, fmt.Errorf("dist: this MPI library gives thread level %d; serialized calls from any thread (MPI_THREAD_SERIALIZED) are needed", int(provided))
	}
	var r, s C.int
	if rc := C.dist_rank(&r); rc != C.MPI_SUCCESS {
		return nil, fmt.Errorf("dist: MPI_Comm_rank failed (code %d)", int(rc))
	}
	if rc := C.dist_size(&s); rc != C.MPI_SUCCESS {
		return nil, fmt.Errorf("dist: MPI_Comm_size failed (code %d)", int(rc))
	}
	return &mpiComm{rank: int(r), size: int(s)}, nil
}

func (c *mpiComm) Rank() int { return c.rank }
func (c *mpiComm) Size() int { return c.size }

// call runs one MPI call under the lock.
func (c *mpiComm) call(name string, f func() C.int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return fmt.Errorf("dist: %s after Close", name)
	}
	if rc := f(); rc != C.MPI_SUCCESS {
		return fmt.Errorf("dist: %s failed (MPI error code %d)", name, int(rc))
	}
	return nil
}

// chunk is the most elements one MPI call moves: MPI counts are C ints.
const chunk = math.MaxInt32

func (c *mpiComm) AllreduceSum(buf []float32) error {
	for len(buf) > 0 {
		n := min(len(buf), chunk)
		part := buf[:n]
		if err := c.call("MPI_Allreduce", func() C.int {
			return C.dist_allreduce_sum((*C.float)(unsafe.Pointer(&part[0])), C.int(n))
		}); err != nil {
			return err
		}
		buf = buf[n:]
	}
	return nil
}

func (c *mpiComm) Broadcast(buf []byte, root int) error {
	if err := checkRoot(root, c.size); err != nil {
		return err
	}
	for len(buf) > 0 {
		n := min(len(buf), chunk)
		part := buf[:n]
		if err := c.call("MPI_Bcast", func() C.int {
			return C.dist_bcast(unsafe.Pointer(&part[0]), C.int(n), C.int(root))
		}); err != nil {
			return err
		}
		buf = buf[n:]
	}
	return nil
}

func (c *mpiComm) Barrier() error {
	return c.call("MPI_Barrier", func() C.int { return C.dist_barrier() })
}

func (c *mpiComm) Close() error {
	err := c.call("MPI_Finalize", func() C.int { return C.dist_finalize() })
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	return err
}
