//go:build mpi

package train

// These tests run under an MPI launcher, every rank running the whole
// test binary (.ci/run does this):
//
//	go test -tags mpi -c -o train.test ./train
//	mpirun --oversubscribe -np 2 ./train.test -test.run MPI
//
// Each compares a job over MPI_COMM_WORLD with the same training in one
// process (dist.Local), which every rank also runs.

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/dist"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
)

var world dist.Communicator

func TestMain(m *testing.M) {
	c, err := dist.Open()
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

// sharedDir returns a directory that every rank names alike (rank 0
// creates it; the others only read what rank 0 writes).
func sharedDir(t *testing.T, name string) string {
	dir := filepath.Join(os.TempDir(), "artifex-mpi-test-"+os.Getenv("OMPI_COMM_WORLD_JOBID")+"-"+name)
	if world.Rank() == 0 {
		os.RemoveAll(dir)
		t.Cleanup(func() { os.RemoveAll(dir) })
	}
	if err := world.Barrier(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestMPITwoRanksTrainAFlowAsOneProcessDoes(t *testing.T) {
	build, ds, s := flowOnTwoMoons(t)
	s.Steps = 20
	run := func(c dist.Communicator, dir string) (models.Model, Result) {
		m := build()
		tr, err := New(m, ds, nn.NewRngs(s.Seed), s, Options{OutDir: dir, Quiet: true, Samples: -1, Comm: c, LogEvery: 1})
		if err != nil {
			t.Fatal(err)
		}
		res, err := tr.Run(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return m, res
	}
	job, res := run(world, sharedDir(t, "flow"))
	one, _ := run(dist.Local{}, t.TempDir())
	// Float rounding (a mean of half-batch means) grows over steps
	// through the splines' bins; 1 step gives ~1e-8.
	if d := relDiff(one, job); !(d < 1e-3) {
		t.Errorf("rank %d: %d steps over %d ranks vs one process: relative parameter difference %g", world.Rank(), s.Steps, world.Size(), d)
	}
	if world.Rank() == 0 {
		records, err := ReadMetrics(res.Metrics)
		if err != nil || len(records) != s.Steps {
			t.Errorf("metrics: %d records for %d steps (one line per logged step): %v", len(records), s.Steps, err)
		}
	}
}

func TestMPIVAEAndGANLossesFollowOneProcess(t *testing.T) {
	mnist, err := data.Load("mnist", "train", data.LoadOptions{})
	if errors.Is(err, data.ErrNotFound) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"vae_mnist", "gan_mnist"} {
		cfg := zooConfig(t, name)
		s, err := SettingsFromConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		s.Steps, s.BatchSize = 100, 32
		// meanLoss trains and returns the mean of the logged losses of
		// the second half of the run (a GAN's loss is noisy step to step).
		meanLoss := func(c dist.Communicator, dir string) float64 {
			m, err := factory.CreateModel(cfg, nn.NewRngs(s.Seed))
			if err != nil {
				t.Fatal(err)
			}
			tr, err := New(m, mnist, nn.NewRngs(s.Seed), s, Options{OutDir: dir, Quiet: true, Samples: -1, Comm: c, LogEvery: 5})
			if err != nil {
				t.Fatal(err)
			}
			res, err := tr.Run(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if c.Rank() != 0 {
				return math.NaN()
			}
			records, err := ReadMetrics(res.Metrics)
			if err != nil {
				t.Fatal(err)
			}
			var sum float64
			half := records[len(records)/2:]
			for _, r := range half {
				sum += r.Loss
			}
			return sum / float64(len(half))
		}
		job := meanLoss(world, sharedDir(t, name))
		if world.Rank() != 0 {
			continue // rank 0 alone runs the one-process baseline
		}
		one := meanLoss(dist.Local{}, t.TempDir())
		// Model noise differs by rank (each has its own streams), so the
		// runs are two samples of the same training, not one.
		if rel := math.Abs(job-one) / math.Abs(one); !(rel < 0.15) {
			t.Errorf("%s: mean loss of steps %d-%d: %g over %d ranks vs %g in one process", name, s.Steps/2, s.Steps, job, world.Size(), one)
		}
		t.Logf("%s: mean loss of steps %d-%d: %.4g over %d ranks, %.4g in one process", name, s.Steps/2, s.Steps, job, world.Size(), one)
	}
	if err := world.Barrier(); err != nil {
		t.Fatal(err)
	}
}
