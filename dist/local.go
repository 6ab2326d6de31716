//go:build !mpi

package dist

import "fmt"

// Built is "local" in a build without MPI and "mpi" in one with it.
const Built = "local"

// Open returns the communicator of this build: Local. A process that a
// launcher started among several (mpirun -np 2, srun) gets an error
// instead of training alone, unaware of the others: this binary was built
// without the mpi tag.
func Open() (Communicator, error) {
	if n := launchedSize(); n > 1 {
		return nil, fmt.Errorf("dist: this process was launched as one of %d, but the binary was built without MPI; build it with `go build -tags mpi ./cmd/artifex` (Open MPI's libopenmpi-dev and pkg-config) to train across processes", n)
	}
	return Local{}, nil
}
