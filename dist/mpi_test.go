//go:build mpi

package dist

import (
	"fmt"
	"os"
	"testing"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// TestMain opens MPI once for the whole test binary and finalises it at
// the end: MPI may be initialised only once per process. Run the tests
// under a launcher to have several ranks:
//
//	go test -tags mpi -c -o dist.test ./dist
//	mpirun --oversubscribe -np 2 ./dist.test
func TestMain(m *testing.M) {
	c, err := Open()
	if err != nil {
		panic(err)
	}
	world = c
	code := m.Run()
	if err := c.Close(); err != nil && code == 0 {
		code = 1
	}
	os.Exit(code)
}

var world Communicator

func TestMPIAllreduceBroadcastAndBarrierAcrossRanks(t *testing.T) {
	n, r := world.Size(), world.Rank()
	t.Logf("rank %d of %d", r, n)
	buf := []float32{float32(r), 1}
	if err := world.AllreduceSum(buf); err != nil {
		t.Fatal(err)
	}
	if want := float32(n*(n-1)) / 2; buf[0] != want || buf[1] != float32(n) {
		t.Errorf("allreduce: %v, want [%g %d]", buf, want, n)
	}
	b := []float32{float32(r + 7)}
	if err := BroadcastFloat32(world, b, n-1); err != nil || b[0] != float32(n-1+7) {
		t.Errorf("broadcast from rank %d: %v, %v", n-1, b, err)
	}
	if err := world.Barrier(); err != nil {
		t.Fatal(err)
	}
}

func TestMPIGradientAverageIsTheMeanOverRanks(t *testing.T) {
	n, r := world.Size(), world.Rank()
	w := tensor.FromSlice([]float32{float32(r), 0}, 2).SetRequiresGrad(true)
	w.SetGrad(tensor.FromSlice([]float32{float32(r), 2}, 2))
	params := []nn.Param{{Name: "w", Tensor: w}}
	if err := BroadcastParameters(world, params, 0); err != nil {
		t.Fatal(err)
	}
	if w.Data()[0] != 0 {
		t.Errorf("parameters after broadcast from rank 0: %v", w.Data())
	}
	if err := (&GradientAverager{Comm: world, Bucket: 1}).Average(params, nil); err != nil {
		t.Fatal(err)
	}
	if g := w.Grad().Data(); g[0] != float32(n-1)/2 || g[1] != 2 {
		t.Errorf("averaged gradient %v, want [%g 2]", g, float32(n-1)/2)
	}
}

// BenchmarkMPIAllreduce times the allreduce of a buffer the size of a
// model's gradients (b.N rounds; run under mpirun like the tests).
func BenchmarkMPIAllreduce(b *testing.B) {
	for _, n := range []int{1 << 16, 1 << 20, 4 << 20} {
		buf := make([]float32, n)
		b.Run(fmt.Sprintf("%dk_floats", n>>10), func(b *testing.B) {
			b.SetBytes(int64(4 * n))
			for range b.N {
				if err := world.AllreduceSum(buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
