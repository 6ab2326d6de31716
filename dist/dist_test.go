package dist

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// fakeComm is n ranks simulated in one process: AllreduceSum adds the
// buffers that the other ranks contribute (others), as an MPI job of n
// ranks would.
type fakeComm struct {
	Local
	n      int
	others [][]float32 // the other ranks' full buffers, reduced piece by piece
	off    int
	calls  int
}

func (f *fakeComm) Size() int { return f.n }

func (f *fakeComm) AllreduceSum(buf []float32) error {
	f.calls++
	for _, o := range f.others {
		for i := range buf {
			buf[i] += o[f.off+i]
		}
	}
	f.off += len(buf)
	return nil
}

func TestGradientAveragerTakesTheMeanInBucketsAndKeepsMissingGradientsMissing(t *testing.T) {
	a := tensor.FromSlice([]float32{1, 2, 3}, 3).SetRequiresGrad(true)
	b := tensor.FromSlice([]float32{0, 0}, 2).SetRequiresGrad(true)
	c := tensor.FromSlice([]float32{0}, 1).SetRequiresGrad(true)
	a.SetGrad(tensor.FromSlice([]float32{2, 4, 6}, 3))
	// b has a gradient on the other rank only; c on none.
	params := []nn.Param{{Name: "a", Tensor: a}, {Name: "b", Tensor: b}, {Name: "c", Tensor: c}}
	// The other rank's buffer: flags [1 1 0], then a, b, c, then its loss.
	other := []float32{1, 1, 0, 0, 2, 4, 10, 20, 0, 3}
	comm := &fakeComm{n: 2, others: [][]float32{other}}
	g := GradientAverager{Comm: comm, Bucket: 4}
	loss := []float32{1}
	if err := g.Average(params, loss); err != nil {
		t.Fatal(err)
	}
	if loss[0] != 2 {
		t.Errorf("the loss averaged with the gradients is %v, want 2", loss[0])
	}
	if got := a.Grad().Data(); !slices.Equal(got, []float32{1, 3, 5}) {
		t.Errorf("a's gradient %v, want the mean [1 3 5]", got)
	}
	if got := b.Grad().Data(); !slices.Equal(got, []float32{5, 10}) {
		t.Errorf("b's gradient %v, want [5 10] (the other rank's, averaged with zeros)", got)
	}
	if c.Grad() != nil {
		t.Errorf("c has gradient %v, want none", c.Grad().Data())
	}
	if comm.calls != 3 {
		t.Errorf("%d allreduce calls for 10 values in buckets of 4, want 3", comm.calls)
	}
}

func TestLocalIsOneRankAndLeavesBuffersAlone(t *testing.T) {
	var c Communicator = Local{}
	buf := []float32{1, 2}
	if err := c.AllreduceSum(buf); err != nil || c.Rank() != 0 || c.Size() != 1 || !slices.Equal(buf, []float32{1, 2}) {
		t.Errorf("Local: rank %d size %d buf %v err %v", c.Rank(), c.Size(), buf, err)
	}
	if err := c.Broadcast(nil, 1); err == nil {
		t.Error("a broadcast from rank 1 of 1 was accepted")
	}
	a := tensor.FromSlice([]float32{1}, 1).SetRequiresGrad(true)
	a.SetGrad(tensor.FromSlice([]float32{3}, 1))
	if err := (&GradientAverager{Comm: c}).Average([]nn.Param{{Name: "a", Tensor: a}}, nil); err != nil || a.Grad().Data()[0] != 3 {
		t.Errorf("one rank's average changed the gradient: %v, %v", a.Grad().Data(), err)
	}
}

func TestOpenRefusesToTrainAloneWhenLaunchedAmongSeveral(t *testing.T) {
	if Built == "mpi" {
		t.Skip("an MPI build joins the job")
	}
	t.Setenv("OMPI_COMM_WORLD_SIZE", "2")
	if _, err := Open(); err == nil || !strings.Contains(err.Error(), "-tags mpi") {
		t.Errorf("launched as one of 2 without MPI: %v", err)
	}
	t.Setenv("OMPI_COMM_WORLD_SIZE", "")
	if c, err := Open(); err != nil || c.Size() != 1 {
		t.Errorf("a plain start: %v, %v", c, err)
	}
}

func TestGroupRanksAllreduceAndBroadcastAsAnMPIJobWould(t *testing.T) {
	const n = 3
	comms := NewGroup(n)
	results := make([][]float32, n)
	var wg sync.WaitGroup
	for r, c := range comms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := range 50 { // buffers reused round after round
				buf := []float32{float32(r), float32(round)}
				if err := c.AllreduceSum(buf); err != nil {
					t.Error(err)
					return
				}
				b := []float32{float32(10*r + round)}
				if err := BroadcastFloat32(c, b, 2); err != nil {
					t.Error(err)
					return
				}
				results[r] = append(buf, b...)
			}
			if err := c.Barrier(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for r, got := range results {
		if !slices.Equal(got, []float32{3, 3 * 49, 20 + 49}) {
			t.Errorf("rank %d: last round %v, want [3 147 69]", r, got)
		}
	}
}

func TestGradientAveragerWritesSharedGradientTensorsApart(t *testing.T) {
	a := tensor.FromSlice([]float32{0, 0}, 2).SetRequiresGrad(true)
	b := tensor.FromSlice([]float32{0, 0}, 2).SetRequiresGrad(true)
	shared := tensor.FromSlice([]float32{2, 4}, 2)
	a.SetGrad(shared)
	b.SetGrad(shared) // one gradient tensor for two parameters
	// The other rank: flags [1 1], a's gradient [4 8], b's [0 0].
	comm := &fakeComm{n: 2, others: [][]float32{{1, 1, 4, 8, 0, 0}}}
	if err := (&GradientAverager{Comm: comm}).Average([]nn.Param{{Name: "a", Tensor: a}, {Name: "b", Tensor: b}}, nil); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Grad().Data(), []float32{3, 6}) || !slices.Equal(b.Grad().Data(), []float32{1, 2}) {
		t.Errorf("gradients %v and %v, want [3 6] and [1 2]", a.Grad().Data(), b.Grad().Data())
	}
}
