package train

import (
	"context"
	"errors"
	"github.com/artifex-go/artifex/checkpoint"
	"github.com/artifex-go/artifex/internal/datatest"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/dist"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
	"github.com/artifex-go/artifex/zoo"
)

// runRanks trains one model per communicator, each in its own goroutine
// as the ranks of a job would, and returns the models and errors.
func runRanks(t *testing.T, comms []dist.Communicator, build func() models.Model, ds *data.Dataset, s Settings, opts Options) ([]models.Model, []error) {
	t.Helper()
	ms := make([]models.Model, len(comms))
	errs := make([]error, len(comms))
	trainers := make([]*Trainer, len(comms))
	for r, c := range comms {
		ms[r] = build()
		o := opts
		o.Comm = c
		tr, err := New(ms[r], ds, nn.NewRngs(s.Seed), s, o)
		if err != nil {
			t.Fatal(err)
		}
		trainers[r] = tr
	}
	var wg sync.WaitGroup
	for r, tr := range trainers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[r] = tr.Run(context.Background())
		}()
	}
	wg.Wait()
	return ms, errs
}

// flowOnTwoMoons builds a small neural spline flow (with ActNorm, whose
// data-dependent initialisation must see the global batch) for the
// two-moons density, and its settings.
func flowOnTwoMoons(t *testing.T) (func() models.Model, *data.Dataset, Settings) {
	t.Helper()
	cfg, err := zoo.Overrides{"hidden_dims": []int{16, 16}, "num_layers": 2}.Apply(zooConfig(t, "nsf_tabular"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := SettingsFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Steps, s.BatchSize, s.Optimizer, s.LearningRate = 5, 64, "sgd", 0.05
	ds, err := data.Load(s.Dataset, "train", data.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	build := func() models.Model {
		m, err := factory.CreateModel(cfg, nn.NewRngs(s.Seed))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	return build, ds, s
}

func zooConfig(t *testing.T, name string) config.ModelConfiguration {
	t.Helper()
	cfg, err := zoo.GetConfig(name)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// relDiff is ‖a - b‖ / ‖a‖ over every parameter.
func relDiff(a, b models.Model) float64 {
	var num, den float64
	pb := nn.Parameters(b)
	for i, p := range nn.Parameters(a) {
		for j, v := range p.Tensor.Data() {
			d := float64(v - pb[i].Tensor.Data()[j])
			num += d * d
			den += float64(v) * float64(v)
		}
	}
	return math.Sqrt(num / den)
}

func TestTwoRanksTrainTheModelOneProcessTrainsOnTheSameGlobalBatches(t *testing.T) {
	build, ds, s := flowOnTwoMoons(t)
	quiet := Options{Quiet: true, Samples: -1}
	one, errs := runRanks(t, dist.NewGroup(1), build, ds, s, withOut(t, quiet))
	if errs[0] != nil {
		t.Fatal(errs[0])
	}
	two, errs := runRanks(t, dist.NewGroup(2), build, ds, s, withOut(t, quiet))
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	// The ranks apply the same averaged update to the same weights.
	if d := relDiff(two[0], two[1]); d != 0 {
		t.Errorf("the two ranks' parameters differ by %g (relative); they must be equal", d)
	}
	// Against one process, only the summation order differs (a mean of
	// two half-batch means): rounding, ~1e-7 after one step.
	if d := relDiff(one[0], two[0]); !(d < 1e-5) {
		t.Errorf("2 ranks vs 1 process after %d steps: relative parameter difference %g, want < 1e-5", s.Steps, d)
	}
	if d := relDiff(build(), two[0]); !(d > 1e-3) {
		t.Errorf("training moved the parameters by only %g", d)
	}
}

// checkpointStep returns the step of the checkpoint in dir.
func checkpointStep(dir string) (int64, error) {
	c, err := checkpoint.Read(filepath.Join(dir, CheckpointFile))
	if err != nil {
		return 0, err
	}
	return c.Step, nil
}

func withOut(t *testing.T, o Options) Options {
	o.OutDir = filepath.Join(t.TempDir(), "run")
	return o
}

// nanOnRank is a model whose loss is NaN on one rank only.
type nanOnRank struct {
	W   *tensor.Tensor
	nan bool
}

func (m *nanOnRank) Config() config.ModelConfiguration {
	return config.ModelConfiguration{Name: "nan", ModelClass: "test.NaN", InputDim: config.Dims{2}}
}

func (m *nanOnRank) TrainLoss(b data.Batch, _ *tensor.Rngs) (*tensor.Tensor, map[string]float64) {
	loss := tensor.Mean(tensor.Mul(tensor.Reshape(b.Images, b.Images.Dim(0), 2), m.W))
	if m.nan {
		loss = tensor.Scale(loss, float32(math.NaN()))
	}
	return loss, nil
}

func TestAFailureOnOneRankStopsEveryRank(t *testing.T) {
	_, ds, s := flowOnTwoMoons(t)
	rank := 0
	build := func() models.Model {
		m := &nanOnRank{W: tensor.Ones(2).SetRequiresGrad(true), nan: rank == 1}
		rank++
		return m
	}
	_, errs := runRanks(t, dist.NewGroup(2), build, ds, s, withOut(t, Options{Quiet: true, Samples: -1}))
	if !errors.Is(errs[1], ErrNonFinite) {
		t.Errorf("the rank whose loss is NaN: %v, want ErrNonFinite", errs[1])
	}
	if errs[0] == nil || !strings.Contains(errs[0].Error(), "on another process") {
		t.Errorf("the other rank: %v, want it to stop, naming the other process", errs[0])
	}
}

func TestABatchThatDoesNotSplitEvenlyIsRefused(t *testing.T) {
	build, ds, s := flowOnTwoMoons(t)
	s.BatchSize = 63
	_, err := New(build(), ds, nn.NewRngs(0), s, Options{OutDir: t.TempDir(), Comm: dist.NewGroup(2)[0]})
	if err == nil || !strings.Contains(err.Error(), "does not split evenly over 2 processes") {
		t.Errorf("batch 63 over 2 processes: %v", err)
	}
}

// plainStep is a user's Step that does not average its gradients.
type plainStep struct{ Step }

func TestAStepThatDoesNotAverageItsGradientsIsRefusedAcrossProcesses(t *testing.T) {
	build, ds, s := flowOnTwoMoons(t)
	newStep := func(m models.Model, s Settings, total int) (Step, error) {
		st, err := NewLossStep(m.(models.Trainable), s, total)
		return plainStep{st}, err
	}
	_, err := New(build(), ds, nn.NewRngs(0), s, Options{OutDir: t.TempDir(), Comm: dist.NewGroup(2)[0], NewStep: newStep})
	if err == nil || !strings.Contains(err.Error(), "train.DistributedStep") {
		t.Errorf("a plain step over 2 processes: %v", err)
	}
	if _, err := New(build(), ds, nn.NewRngs(0), s, Options{OutDir: t.TempDir(), Comm: dist.NewGroup(1)[0], NewStep: newStep}); err != nil {
		t.Errorf("a plain step in one process: %v", err)
	}
}

func TestShardGivesEachRankItsRowsOfTheGlobalBatch(t *testing.T) {
	b := data.Batch{Images: tensor.FromSlice([]float32{0, 1, 2, 3, 4, 5, 6, 7}, 4, 2), Labels: []int{0, 1, 2, 3}}
	for r, want := range [][]float32{{0, 1, 2, 3}, {4, 5, 6, 7}} {
		p := &parallel{comm: dist.NewGroup(2)[r]}
		got := p.shard(b)
		if !slices.Equal(got.Images.Data(), want) || !slices.Equal(got.Images.Shape(), []int{2, 2}) || !slices.Equal(got.Labels, []int{2 * r, 2*r + 1}) {
			t.Errorf("rank %d: %v %v %v", r, got.Images.Data(), got.Images.Shape(), got.Labels)
		}
	}
}

func TestRanksOfAModelWithItsOwnOptimizersStayEqual(t *testing.T) {
	mnist, err := data.Load("mnist", "test", data.LoadOptions{})
	if errors.Is(err, data.ErrNotFound) {
		datatest.Skip(t, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	ds, _, _ := mnist.Split(256)
	cfg, err := zoo.Overrides{"hidden_dims": []int{16, 8}, "discriminator_features": []int{8, 16}}.Apply(zooConfig(t, "gan_mnist"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := SettingsFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s.Steps, s.BatchSize = 3, 32
	build := func() models.Model {
		m, err := factory.CreateModel(cfg, nn.NewRngs(s.Seed))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	ms, errs := runRanks(t, dist.NewGroup(2), build, ds, s, withOut(t, Options{Quiet: true, Samples: -1}))
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	// Each optimizer averaged its gradients across the ranks (a hook in
	// its Step), so the generator and the discriminator are equal on both.
	if d := relDiff(ms[0], ms[1]); d != 0 {
		t.Errorf("the ranks' GANs differ by %g after %d steps", d, s.Steps)
	}
	if d := relDiff(build(), ms[0]); !(d > 1e-4) {
		t.Errorf("training moved the GAN by only %g", d)
	}
}

func TestAccumulatingKBatchesEqualsOneBatchKTimesLarger(t *testing.T) {
	// A MAF without batch norm: no layer initialises from the statistics
	// of its first batch (ActNorm would see only the first part).
	_, ds, s := flowOnTwoMoons(t)
	cfg, err := zoo.Overrides{"model_class": "MAF", "hidden_dims": []int{16, 16}, "num_layers": 2, "batch_norm": false}.Apply(zooConfig(t, "nsf_tabular"))
	if err != nil {
		t.Fatal(err)
	}
	build := func() models.Model {
		m, err := factory.CreateModel(cfg, nn.NewRngs(s.Seed))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	opts := Options{Quiet: true, Samples: -1}
	big, errs := runRanks(t, dist.NewGroup(1), build, ds, s, withOut(t, opts))
	if errs[0] != nil {
		t.Fatal(errs[0])
	}
	acc := s
	acc.BatchSize, acc.Accumulate = s.BatchSize/4, 4
	parts, errs := runRanks(t, dist.NewGroup(1), build, ds, acc, withOut(t, opts))
	if errs[0] != nil {
		t.Fatal(errs[0])
	}
	if d := relDiff(big[0], parts[0]); !(d < 1e-5) {
		t.Errorf("4 accumulated batches of %d vs one of %d: relative parameter difference %g, want < 1e-5", acc.BatchSize, s.BatchSize, d)
	}
	// Accumulation and several processes compose: 2 ranks × 2 parts.
	acc.BatchSize, acc.Accumulate = s.BatchSize/2, 2
	both, errs := runRanks(t, dist.NewGroup(2), build, ds, acc, withOut(t, opts))
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if d := relDiff(big[0], both[0]); !(d < 1e-5) {
		t.Errorf("2 ranks × 2 accumulated batches vs one batch: relative parameter difference %g, want < 1e-5", d)
	}
	if d := relDiff(build(), big[0]); !(d > 1e-3) {
		t.Errorf("training moved the parameters by only %g", d)
	}
}

func TestARunOfTwoRanksResumesInOneProcess(t *testing.T) {
	build, ds, s := flowOnTwoMoons(t)
	straight, errs := runRanks(t, dist.NewGroup(1), build, ds, s, withOut(t, Options{Quiet: true, Samples: -1}))
	if errs[0] != nil {
		t.Fatal(errs[0])
	}
	out := withOut(t, Options{Quiet: true, Samples: -1})
	first := s
	first.Steps = 2
	if _, errs := runRanks(t, dist.NewGroup(2), build, ds, first, out); errors.Join(errs...) != nil {
		t.Fatal(errors.Join(errs...))
	}
	out.Resume = true
	resumed, errs := runRanks(t, dist.NewGroup(1), build, ds, s, out)
	if errs[0] != nil {
		t.Fatal(errs[0])
	}
	if d := relDiff(straight[0], resumed[0]); !(d < 1e-5) {
		t.Errorf("2 steps on 2 ranks resumed for %d more on 1 vs %d on 1: relative parameter difference %g", s.Steps-2, s.Steps, d)
	}
	records, err := ReadMetrics(filepath.Join(out.OutDir, MetricsFile))
	if err != nil || len(records) == 0 || records[len(records)-1].Step != int64(s.Steps) {
		t.Errorf("one metrics log, ending at step %d: %v (%v)", s.Steps, records, err)
	}
}

func TestStoppingOneRankStopsEveryRankAfterTheSameStep(t *testing.T) {
	build, ds, s := flowOnTwoMoons(t)
	s.Steps = 1000
	comms := dist.NewGroup(2)
	out := withOut(t, Options{Quiet: true, Samples: -1})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errs := make([]error, 2)
	ms := []models.Model{build(), build()}
	var wg sync.WaitGroup
	for r := range 2 {
		o := out
		o.Comm = comms[r]
		if r == 1 {
			o.OnStep = func(i StepInfo) { // Ctrl-C reaches rank 1 only
				if i.Step == 3 {
					cancel()
				}
			}
		}
		tr, err := New(ms[r], ds, nn.NewRngs(s.Seed), s, o)
		if err != nil {
			t.Fatal(err)
		}
		runCtx := context.Background()
		if r == 1 {
			runCtx = ctx
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[r] = tr.Run(runCtx)
		}()
	}
	wg.Wait()
	for r, err := range errs {
		if !errors.Is(err, ErrInterrupted) {
			t.Errorf("rank %d: %v, want ErrInterrupted", r, err)
		}
	}
	ck, err := checkpointStep(out.OutDir)
	if err != nil || ck < 3 || ck > 5 {
		t.Errorf("rank 0's checkpoint is at step %d (%v), want the step the stop was agreed at (3 to 5)", ck, err)
	}
	if d := relDiff(ms[0], ms[1]); d != 0 {
		t.Errorf("the ranks stopped at different parameters (difference %g)", d)
	}
}
