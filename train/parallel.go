package train

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/dist"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// parallel is what makes a Trainer one rank of a synchronous
// data-parallel job (Options.Comm of several processes):
//
//   - every rank draws the same global batch (the iterator, its order and
//     its binarisation or dequantisation are seeded alike) and trains on
//     its share of the rows, so the global batch and its order do not
//     depend on the number of processes;
//   - the gradients are averaged over the ranks before any optimizer
//     updates (LossStep: before clipping; a model with its own optimizers:
//     a hook in each of them), so every rank applies the same update to
//     the same weights;
//   - the random streams a model draws from inside its loss (a VAE's
//     posterior samples, diffusion timesteps) are rank 0's training
//     streams on rank 0 and, on rank r, streams derived from the seed, r
//     and the step the run started at;
//   - after each step the ranks agree on the loss and logs to report
//     (their means), on a failure anywhere and on stopping (Ctrl-C or the
//     budget on any rank), so they stop together;
//   - layers that initialise from the statistics of a batch (ActNorm,
//     dist.Member) compute them over every rank's rows;
//   - rank 0 writes every output; state that is not trained (batch-norm
//     running statistics) is averaged over the ranks before each
//     checkpoint, while each rank normalises with its own rows' batch
//     statistics (as PyTorch's DistributedDataParallel does without
//     SyncBatchNorm).
//
// With one process every method is the identity, and a run is exactly a
// run without it.
type parallel struct {
	comm  dist.Communicator
	avg   dist.GradientAverager
	rngs  *tensor.Rngs // the streams this rank's steps draw from
	agree []float32    // buffer of the per-step agreement
}

// newParallel prepares a trainer's step for comm. rngs are the training
// streams, done the step the run starts at.
func newParallel(comm dist.Communicator, step Step, rngs *tensor.Rngs, s Settings) (*parallel, error) {
	if comm == nil {
		comm = dist.Local{}
	}
	p := &parallel{comm: comm, avg: dist.GradientAverager{Comm: comm}, rngs: rngs}
	n := comm.Size()
	if n == 1 {
		return p, nil
	}
	if s.BatchSize%n != 0 {
		return nil, fmt.Errorf("train: the batch of %d examples does not split evenly over %d processes; choose a batch size that is a multiple of %d", s.BatchSize, n, n)
	}
	ds, ok := step.(DistributedStep)
	if !ok {
		return nil, fmt.Errorf("train: a step of type %T cannot train across %d processes: it does not average its gradients (train.DistributedStep)", step, n)
	}
	if err := ds.AverageGradients(p.avg.Average); err != nil {
		return nil, err
	}
	return p, nil
}

// DistributedStep is a Step that can train across processes: before its
// updates it hands its gradients to average, which replaces them (and the
// values given with them, such as the loss) with their means over the
// processes. Every rank must call average at the same points, a failing
// rank too. LossStep and StepperStep are DistributedSteps.
type DistributedStep interface {
	Step
	AverageGradients(average func(params []nn.Param, values []float32) error) error
}

// AverageGradients implements DistributedStep: the gradients and the loss
// are averaged after the backward pass, before any check.
func (st *LossStep) AverageGradients(average func(params []nn.Param, values []float32) error) error {
	st.sync = average
	return nil
}

// AverageGradients implements DistributedStep: each of the model's
// optimizers averages the gradients it is given before it applies them.
func (st *StepperStep) AverageGradients(average func(params []nn.Param, values []float32) error) error {
	for _, name := range st.names {
		st.Model.Optimizers()[name].SetGradientHook(func(params []nn.Param) {
			// An optimizer's Step has no error to return; a failed
			// collective ends every rank anyway.
			if err := average(params, nil); err != nil {
				panic(err)
			}
		})
	}
	return nil
}

// start makes every rank's model state rank 0's (after a resume too) and
// derives this rank's streams, done being the step the run starts at.
func (p *parallel) start(model models.Model, done int64) error {
	if p.comm.Size() == 1 {
		return nil
	}
	if err := dist.BroadcastParameters(p.comm, nn.State(model), 0); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	dist.Attach(model, p.comm)
	if r := p.comm.Rank(); r > 0 {
		p.rngs = p.rngs.Fork(fmt.Sprintf("rank/%d/from-step/%d", r, done))
	}
	return nil
}

// lead reports whether this rank writes the outputs.
func (p *parallel) lead() bool { return p.comm.Rank() == 0 }

// shard returns this rank's rows of the global batch.
func (p *parallel) shard(b data.Batch) data.Batch {
	if p.comm.Size() == 1 {
		return b
	}
	return rowsOf(b, p.comm.Rank(), p.comm.Size())
}

// anyOf reports whether any rank's flag is set.
func (p *parallel) anyOf(flags ...bool) ([]bool, error) {
	if p.comm.Size() == 1 {
		return flags, nil
	}
	buf := make([]float32, len(flags))
	for i, f := range flags {
		if f {
			buf[i] = 1
		}
	}
	if err := p.comm.AllreduceSum(buf); err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	out := make([]bool, len(flags))
	for i, v := range buf {
		out[i] = v > 0
	}
	return out, nil
}

// agreeErr returns err, or, when err is nil here but another rank failed,
// an error saying so: the ranks go on only together.
func (p *parallel) agreeErr(err error) error {
	failed, aerr := p.anyOf(err != nil)
	switch {
	case aerr != nil:
		return aerr
	case err != nil:
		return err
	case failed[0]:
		return fmt.Errorf("train: another process could not start (its output says why)")
	}
	return nil
}

// outcome is what the ranks agree on after a step.
type outcome struct {
	loss   float64
	logs   map[string]float64
	failed bool // the step failed on some rank
}

// after agrees on a step's outcome: the means of the loss and of the logs
// (every rank runs the same model, so the logs have the same names) and
// whether the step failed anywhere.
func (p *parallel) after(loss float64, logs map[string]float64, failed bool) (outcome, error) {
	if p.comm.Size() == 1 {
		return outcome{loss, logs, failed}, nil
	}
	keys := slices.Sorted(maps.Keys(logs))
	p.agree = append(p.agree[:0], float32(loss), 0)
	if failed {
		p.agree[1] = 1
	}
	for _, k := range keys {
		p.agree = append(p.agree, float32(logs[k]))
	}
	if err := p.comm.AllreduceSum(p.agree); err != nil {
		return outcome{}, fmt.Errorf("train: %w", err)
	}
	n := float64(p.comm.Size())
	o := outcome{loss: float64(p.agree[0]) / n, failed: p.agree[1] > 0, logs: make(map[string]float64, len(keys))}
	for i, k := range keys {
		o.logs[k] = float64(p.agree[2+i]) / n
	}
	if math.IsNaN(o.loss) && !failed {
		o.failed = true
	}
	return o, nil
}

// syncBuffers averages, over the ranks, the model's state that training
// does not optimise (batch-norm running statistics), so that the
// checkpoint rank 0 writes describes every rank's data.
func (p *parallel) syncBuffers(model models.Model) error {
	n := p.comm.Size()
	if n == 1 {
		return nil
	}
	trained := map[*tensor.Tensor]bool{}
	for _, q := range nn.Parameters(model) {
		trained[q.Tensor] = true
	}
	for _, q := range nn.State(model) {
		if trained[q.Tensor] {
			continue
		}
		d := q.Tensor.Data()
		if err := p.comm.AllreduceSum(d); err != nil {
			return fmt.Errorf("train: averaging %s: %w", q.Name, err)
		}
		for i := range d {
			d[i] /= float32(n)
		}
	}
	return nil
}
