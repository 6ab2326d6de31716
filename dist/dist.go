// Package dist runs one training job in several processes: synchronous
// data parallelism over a Communicator, the small set of collective
// operations it needs (allreduce, broadcast, barrier).
//
// The default build is pure Go and has one communicator, Local, for one
// process. Built with the tag mpi (`go build -tags mpi`, cgo against Open
// MPI through pkg-config), Open joins the MPI job the process was launched
// in (mpirun, srun, the Kubernetes MPI Operator) and returns a
// communicator over MPI_COMM_WORLD.
//
// Every collective must be called by every rank, in the same order, with
// buffers of the same length; a rank that skips one blocks the others.
package dist

import (
	"fmt"
	"os"
	"strconv"
	"unsafe"

	"github.com/artifex-go/artifex/nn"
)

// Communicator is a group of processes that run the same program: each
// has a Rank in [0, Size). Rank 0 writes the outputs.
type Communicator interface {
	// Rank returns this process's number, from 0.
	Rank() int
	// Size returns the number of processes.
	Size() int
	// AllreduceSum replaces buf, on every rank, by the element-wise sum
	// of every rank's buf.
	AllreduceSum(buf []float32) error
	// Broadcast replaces buf, on every rank, by root's buf.
	Broadcast(buf []byte, root int) error
	// Barrier returns once every rank has called it.
	Barrier() error
	// Close leaves the group; no call may follow.
	Close() error
}

// Local is the communicator of a job that runs in one process: rank 0 of
// 1, whose collectives leave their buffers as they are.
type Local struct{}

// Rank returns 0.
func (Local) Rank() int { return 0 }

// Size returns 1.
func (Local) Size() int { return 1 }

// AllreduceSum leaves buf as it is: the sum over one rank.
func (Local) AllreduceSum([]float32) error { return nil }

// Broadcast leaves buf as it is; root must be 0.
func (Local) Broadcast(_ []byte, root int) error { return checkRoot(root, 1) }

// Barrier returns at once.
func (Local) Barrier() error { return nil }

// Close does nothing.
func (Local) Close() error { return nil }

func checkRoot(root, size int) error {
	if root < 0 || root >= size {
		return fmt.Errorf("dist: root %d is not a rank of %d", root, size)
	}
	return nil
}

// BroadcastFloat32 replaces buf, on every rank, by root's buf.
func BroadcastFloat32(c Communicator, buf []float32, root int) error {
	if len(buf) == 0 {
		return c.Broadcast(nil, root)
	}
	return c.Broadcast(unsafe.Slice((*byte)(unsafe.Pointer(&buf[0])), 4*len(buf)), root)
}

// launchedSize returns the number of processes the launcher started this
// one among, from the environment variables of Open MPI, MPICH/PMI and
// Slurm, or 1 when none is set.
func launchedSize() int {
	for _, v := range []string{"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "SLURM_NTASKS"} {
		if n, err := strconv.Atoi(os.Getenv(v)); err == nil && n > 1 {
			return n
		}
	}
	return 1
}

// Member is a layer that computes statistics over the examples it is
// given and must, in a job of several processes, compute them over every
// rank's examples (a data-initialised ActNorm): it is told the
// communicator with SetComm.
type Member interface {
	SetComm(c Communicator)
}

// Attach gives c to every layer of model that is a Member.
func Attach(model nn.Module, c Communicator) {
	nn.Layers(model, func(layer any) {
		if m, ok := layer.(Member); ok {
			m.SetComm(c)
		}
	})
}

// MeanVar returns, per channel, the mean and the (biased) variance of
// values over every rank: local holds this rank's values, channel-major
// ([c][n_c] flattened: local[ch*per:(ch+1)*per]) with per values per
// channel. Two passes (the mean, then the squared deviations from it)
// keep the precision of a one-process variance.
func MeanVar(c Communicator, local []float32, channels int) (mean, variance []float64, err error) {
	per := len(local) / max(channels, 1)
	sums := make([]float32, channels+1)
	for ch := range channels {
		var s float64
		for _, v := range local[ch*per : (ch+1)*per] {
			s += float64(v)
		}
		sums[ch] = float32(s)
	}
	sums[channels] = float32(per)
	if err := c.AllreduceSum(sums); err != nil {
		return nil, nil, err
	}
	n := float64(sums[channels])
	mean = make([]float64, channels)
	dev := make([]float32, channels)
	for ch := range channels {
		mean[ch] = float64(sums[ch]) / n
		var s float64
		for _, v := range local[ch*per : (ch+1)*per] {
			d := float64(v) - mean[ch]
			s += d * d
		}
		dev[ch] = float32(s)
	}
	if err := c.AllreduceSum(dev); err != nil {
		return nil, nil, err
	}
	variance = make([]float64, channels)
	for ch := range channels {
		variance[ch] = float64(dev[ch]) / n
	}
	return mean, variance, nil
}
