// Package train is the training loop: one loop for every family (batches,
// logging, checkpoints, resumption, interruption, data-parallel ranks),
// with the family-specific update behind the Step interface. It is given
// a model and a data set; building them from a configuration, and drawing
// pictures of the run, is package job's (job.Run), which hands the loop
// its Outputs.
//
// A run writes into its output directory:
//
//	checkpoint.safetensors  latest checkpoint: model, optimizer, random streams, data position, config
//	config.yaml             the effective model configuration (defaults filled in)
//	metrics.jsonl           one Record per LogEvery steps, and the held-out loss of each epoch
//	metrics.csv             the same records as a table
//
// and whatever its Outputs draw (job.Outputs: loss.png, samples.png).
//
// Resuming (Options.Resume) continues exactly where the checkpoint
// stopped: the same batches in the same order, the same random draws, so
// that N steps, a resume and N more steps give the parameters of 2N steps
// without a stop, bit for bit.
package train

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/artifex-go/artifex/checkpoint"
	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/data"
	"github.com/artifex-go/artifex/dist"
	"github.com/artifex-go/artifex/internal/cputime"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/tensor"
)

// The files a run writes in its output directory.
const (
	CheckpointFile = "checkpoint.safetensors"
	ConfigFile     = "config.yaml"
	MetricsFile    = "metrics.jsonl"
	MetricsCSVFile = "metrics.csv" // the same records as a table
)

// ErrInterrupted is wrapped by Run's error when its context is cancelled
// (Ctrl-C in the CLI); the checkpoint has been saved by then.
var ErrInterrupted = errors.New("training interrupted")

// Options control how a run is carried out, as opposed to Settings, what
// is learnt. The zero value (with OutDir set) is a usable default.
type Options struct {
	// OutDir receives the checkpoint, metrics and pictures; it is created
	// if missing. It must not hold a checkpoint unless Resume is set.
	OutDir string
	// Resume continues from OutDir's checkpoint.
	Resume bool
	// Quiet turns off the progress bar and notices.
	Quiet bool
	// Progress receives the progress bar and notices; nil means os.Stderr.
	Progress io.Writer
	// CheckpointEvery saves a checkpoint every so many steps; zero saves
	// at the end of every epoch. The last step is always saved.
	CheckpointEvery int
	// LogEvery writes a metrics record every so many steps; zero means 10.
	// The last step is always logged.
	LogEvery int
	// Samples is the number of samples Outputs draw at the end (and
	// along the way); zero means 64 and a negative number none.
	Samples int
	// NewStep makes the Step for models that are not models.Trainable, or
	// that train differently; nil means NewLossStep.
	NewStep func(m models.Model, s Settings, totalSteps int) (Step, error)
	// OnStep, when not nil, is called after every step.
	OnStep func(StepInfo)
	// Budget, when positive, ends the run early, as if its last step had
	// come, once this invocation has used Budget × GOMAXPROCS of CPU time:
	// Budget of wall time on an otherwise idle machine, and no less work
	// on a busy one. The checkpoint and the samples are written as at a
	// normal end, and Result.BudgetSpent is set.
	Budget time.Duration

	// Validation, when not nil, is a held-out split: at the end of every
	// epoch the model's loss on its first ValidationLimit examples (0:
	// DefaultValidationLimit) is written to the metrics log and drawn
	// beside the training loss. Run passes the data set's test split.
	Validation      *data.Dataset
	ValidationLimit int
	// SampleEvery, when positive, draws the sample grid every so many
	// steps into samples/step_NNNNNN.png.
	SampleEvery int
	// Unit is what the progress bar counts the throughput in; zero means
	// a guess from the data set's shape (job.Run asks the model what it
	// draws).
	Unit Unit
	// Outputs, when not nil, draws the samples (at the end, and every
	// SampleEvery steps) and the pictures of the metrics log; nil draws
	// none. job.Run passes job.Outputs.
	Outputs Outputs
	// Metadata, when the model's configuration has none, is recorded in
	// its place in the checkpoint and config.yaml (job.Run passes the
	// user's, so that its training defaults stay with the run).
	Metadata map[string]any
	// Comm, when it has several processes, makes this trainer one rank of
	// a synchronous data-parallel job (see docs/distributed.md): every
	// rank is given the same model, data set, settings and options, and
	// rank 0 alone writes the outputs. nil means one process.
	Comm dist.Communicator
}

// Outputs draw what a run shows besides its checkpoint and metrics log,
// on rank 0 only.
type Outputs interface {
	// Samples draws n samples of model into a file of dir named base plus
	// the extension its kind takes (a grid of images: .png) and returns
	// the file's path, "" when the model draws nothing it can write. The
	// trainer calls it with training-mode layers switched off, the
	// parameter average in place, no gradient recorded, and streams
	// forked off the training ones, so that drawing changes nothing a
	// resumed run would see.
	Samples(model models.Model, n int, rngs *tensor.Rngs, dir, base string) (string, error)
	// Metrics draws the records of the run's metrics log into dir when
	// the run ends and returns the picture's path ("" for none).
	Metrics(cfg config.ModelConfiguration, records []Record, dir string) (string, error)
}

// StepInfo describes a step that has just been done.
type StepInfo struct {
	Step  int64              // steps done, this one included
	Epoch int                // from 1
	Loss  float64            // this step's loss
	Logs  map[string]float64 // the model's values for this step
}

// Result summarises a run.
type Result struct {
	Steps      int64   // steps done in total, earlier runs included
	Epoch      int     // the epoch of the last step, from 1
	Loss       float64 // mean loss of the last metrics record
	Seconds    float64 // training time, earlier runs included
	Checkpoint string  // path of the last checkpoint written, "" if none
	Metrics    string  // path of the metrics log
	LossCurve  string  // path of the loss curve, "" if not drawn
	Samples    string  // path of the sample grid, "" if not drawn
	// BudgetSpent says the run stopped before its last step because
	// Options.Budget was used up.
	BudgetSpent bool
}

// Trainer trains one model on one data set.
type Trainer struct {
	model    models.Model
	cfg      config.ModelConfiguration
	step     Step
	rngs     *tensor.Rngs
	it       *data.Iterator
	settings Settings
	opts     Options
	out      io.Writer
	total    int64

	done      int64   // steps done
	epoch     int     // epoch of the last step, from 1
	seconds   float64 // training time before this run (resume)
	lastSaved int64   // step of the last checkpoint written here or resumed from, -1 for none
	lastLoss  float64
	// budgetSpent is set when the loop stopped at Options.Budget.
	budgetSpent bool
	par         *parallel // this rank's part in a job of several processes
	resumeNotes []string  // the settings that differ from the resumed run's
	unit        Unit      // what the progress bar counts
	notes       []string  // what was adjusted in the settings, said at the start
	arena       *tensor.Arena
}

// New prepares the training of model on train. rngs must be the streams
// the model was built with: models may keep a stream for their own
// sampling, and a checkpoint restores every stream in place.
func New(model models.Model, train *data.Dataset, rngs *tensor.Rngs, s Settings, opts Options) (*Trainer, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if opts.OutDir == "" {
		return nil, errors.New("train: an output directory is needed")
	}
	if train == nil || train.Len() == 0 {
		return nil, errors.New("train: the training set is empty")
	}
	if err := checkInputShape(model, train); err != nil {
		return nil, err
	}
	var notes []string
	if n := train.Len(); s.BatchSize*s.accumulate() > n {
		if s.accumulate() > 1 {
			return nil, fmt.Errorf("train: %d accumulated batches of %d examples need %d examples; the training set has %d", s.accumulate(), s.BatchSize, s.BatchSize*s.accumulate(), n)
		}
		notes = append(notes, fmt.Sprintf("batch_size %d is larger than the training set: every step takes its %d examples", s.BatchSize, n))
		s.BatchSize = n
	}
	// The streams are taken before anything draws from the model's, so
	// that a fresh run and a resumed one create them in the same order.
	// A short last batch is dropped (unless it is the only one): its loss
	// would be noisier than the others' and jag the curve every epoch.
	global := s.BatchSize * s.accumulate() // the examples of one update
	it, err := data.NewIterator(train, data.BatchOptions{
		Size:      global,
		Shuffle:   rngs.Stream("data/shuffle"),
		DropLast:  train.Len() >= global,
		Transform: s.Transform(rngs),
	})
	if err != nil {
		return nil, fmt.Errorf("train: %w", err)
	}
	total := int64(s.Steps)
	if total == 0 {
		total = int64(s.Epochs) * int64(it.BatchesPerEpoch())
	}
	newStep := opts.NewStep
	if newStep == nil {
		newStep = func(m models.Model, s Settings, total int) (Step, error) {
			if sm, ok := m.(models.Stepper); ok {
				return NewStepperStep(sm, s)
			}
			tm, ok := m.(models.Trainable)
			if !ok {
				return nil, fmt.Errorf("train: model %q (%s) has no single training loss (models.Trainable) and does not step itself (models.Stepper); its family needs its own train.Step",
					m.Config().Name, m.Config().ModelClass)
			}
			return NewLossStep(tm, s, total)
		}
	}
	step, err := newStep(model, s, int(total))
	if err != nil {
		return nil, err
	}
	out := opts.Progress
	if out == nil {
		out = os.Stderr
	}
	if opts.Quiet {
		out = io.Discard
	}
	if opts.LogEvery <= 0 {
		opts.LogEvery = 10
	}
	if opts.Samples == 0 {
		opts.Samples = 64
	}
	if opts.Validation, err = validationSet(opts.Validation, opts.ValidationLimit); err != nil {
		return nil, err
	}
	par, err := newParallel(opts.Comm, step, rngs, s)
	if err != nil {
		return nil, err
	}
	if !par.lead() {
		out = io.Discard
	}
	cfg := model.Config()
	if len(cfg.Metadata) == 0 && len(opts.Metadata) > 0 {
		cfg.Metadata = opts.Metadata
	}
	arena := tensor.NewArena()
	if r, ok := step.(ForwardRecyclingStep); ok && arena != nil {
		arena.RecycleForward = r.RecyclesForward()
	}
	return &Trainer{
		model: model, cfg: cfg, step: step, rngs: rngs, it: it, settings: s, opts: opts,
		out: out, total: total, lastSaved: -1, par: par, notes: notes, unit: unitOf(opts, train),
		arena: arena,
	}, nil
}

// Unit is what the progress bar counts a run's throughput in: Name per
// second, PerExample of them per training example (a text row of 128
// bytes predicts 127 tokens).
type Unit struct {
	Name       string
	PerExample float64
}

// unitOf returns the unit the options name, or guesses one from the data
// set: tokens for text rows, samples for rows of points, images otherwise.
func unitOf(o Options, d *data.Dataset) Unit {
	if o.Unit.Name != "" && o.Unit.PerExample > 0 {
		return o.Unit
	}
	s := d.ImageShape()
	switch {
	case s[0] == 1 && s[1] == 1 && s[2] == data.TextRowLength:
		return Unit{"tokens", float64(data.TextRowLength - 1)}
	case s[0] == 1 && s[1] == 1:
		return Unit{"samples", 1}
	}
	return Unit{"img", 1}
}

// sampleAlong draws the samples of the current step into the run's
// samples/ folder.
func (t *Trainer) sampleAlong() error {
	t.arena.Clear() // sampling needs its own memory, not the steps' beside it
	dir := filepath.Join(t.opts.OutDir, "samples")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	_, err := t.drawSamples(dir, fmt.Sprintf("step_%06d", t.done))
	return err
}

// checkInputShape rejects a data set whose images do not have the size
// of the model's input, which would otherwise fail deep in a layer.
func checkInputShape(model models.Model, train *data.Dataset) error {
	if _, ok := model.(models.Trainable); !ok {
		return nil // a GAN's input_dim is its latent size
	}
	in := model.Config().InputDim
	shape := train.ImageShape()
	if n := shape[0] * shape[1] * shape[2]; len(in) > 0 && in.Size() != n {
		return fmt.Errorf("train: model %q takes inputs of shape %v (%d values) but the data set's images are %v (%d values)",
			model.Config().Name, []int(in), in.Size(), shape, n)
	}
	return nil
}

// TotalSteps returns the number of steps the run ends at.
func (t *Trainer) TotalSteps() int64 { return t.total }

// Run trains until the total number of steps is done, the context is
// cancelled (a checkpoint is saved, and the error wraps ErrInterrupted) or
// a step fails (a non-finite loss wraps ErrNonFinite; the last checkpoint
// is left as it was). The loss curve is drawn in every case where there
// are records, the sample grid only after a successful run.
func (t *Trainer) Run(ctx context.Context) (Result, error) {
	dir := t.opts.OutDir
	ckpt := filepath.Join(dir, CheckpointFile)
	lead := t.par.lead()
	// Every rank prepares, and all stop if any cannot: a rank that went
	// on alone would wait for the others forever.
	err := t.prepare(dir, ckpt)
	if err := t.par.agreeErr(err); err != nil {
		return Result{}, err
	}
	if err := t.par.start(t.model, t.done); err != nil {
		return Result{}, err
	}
	fmt.Fprintf(t.out, "%s (%s): %d parameters; %s\n", t.cfg.Name, t.cfg.ModelClass, nn.CountParameters(t.model), t.plan())
	if limit := debug.SetMemoryLimit(-1); limit < math.MaxInt64 {
		// The collector works harder as the heap nears it (artifex sets
		// three quarters of the machine's memory; GOMEMLIMIT another).
		fmt.Fprintf(t.out, "memory: the collector's soft limit is %.1f GiB\n", float64(limit)/(1<<30))
	}
	if n := t.par.comm.Size(); n > 1 {
		fmt.Fprintf(t.out, "training in %d processes (%s), %d examples of each batch per process\n", n, dist.Built, t.settings.BatchSize/n)
	}
	if t.opts.Resume {
		fmt.Fprintf(t.out, "resuming from step %d\n", t.done)
		for _, note := range t.resumeNotes {
			fmt.Fprintf(t.out, "note: %s\n", note)
		}
	}
	for _, note := range t.notes {
		fmt.Fprintf(t.out, "note: %s\n", note)
	}
	if n, ok := t.model.(models.Noter); ok {
		for _, note := range n.Notes() {
			fmt.Fprintf(t.out, "note: %s\n", note)
		}
	}
	metricsPath := filepath.Join(dir, MetricsFile)
	var log *metricsLog
	if lead {
		if log, err = openMetrics(metricsPath, t.opts.Resume, t.done); err != nil {
			return Result{}, err
		}
	}
	nn.SetTraining(t.model, true)
	runErr := t.loop(ctx, log, ckpt)
	runErr = errors.Join(runErr, log.close())

	res := Result{Steps: t.done, Epoch: t.epoch, Loss: t.lastLoss, Seconds: t.seconds, Metrics: metricsPath, BudgetSpent: t.budgetSpent}
	if t.lastSaved >= 0 {
		res.Checkpoint = ckpt
	}
	if !lead {
		res.Metrics, res.Checkpoint = "", ""
		return res, runErr
	}
	if records, err := ReadMetrics(metricsPath); err == nil && len(records) > 0 {
		for _, r := range records {
			if !r.Validation {
				res.Loss = r.Loss
			}
		}
		if err := writeMetricsCSV(records, filepath.Join(dir, MetricsCSVFile)); err != nil {
			runErr = errors.Join(runErr, err)
		}
		if t.opts.Outputs != nil {
			path, err := t.opts.Outputs.Metrics(t.cfg, records, dir)
			runErr = errors.Join(runErr, err)
			res.LossCurve = path
		}
	}
	if runErr == nil && t.opts.Samples > 0 {
		path, err := t.drawSamples(dir, "samples")
		if err != nil {
			return res, err
		}
		res.Samples = path
	}
	return res, runErr
}

// prepare creates the output directory and restores a resumed run's
// checkpoint; only rank 0 writes (the configuration) or refuses to
// overwrite.
func (t *Trainer) prepare(dir, ckpt string) error {
	lead := t.par.lead()
	if lead {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("train: %w", err)
		}
	}
	if t.opts.Resume {
		if err := t.resume(ckpt); err != nil {
			return err
		}
	} else if st, err := os.Stat(ckpt); lead && err == nil && !st.IsDir() {
		return fmt.Errorf("train: %s already holds a checkpoint; resume it (--resume) or choose another output directory", dir)
	}
	if !lead {
		return nil
	}
	if err := t.cfg.Save(filepath.Join(dir, ConfigFile)); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return nil
}

// plan describes the run in one line.
func (t *Trainer) plan() string {
	s := t.settings
	length := fmt.Sprintf("%d steps", t.total)
	if s.Steps == 0 {
		length = fmt.Sprintf("%d epoch%s of %d steps", s.Epochs, plural(s.Epochs), t.it.BatchesPerEpoch())
	}
	prep := ""
	if s.Binarization != "" {
		prep = ", " + s.Binarization + " binarisation"
	}
	if s.Dequantize {
		prep += ", dequantised"
	}
	if s.Range != [2]float64{0, 1} {
		prep += fmt.Sprintf(", range %v", s.Range)
	}
	opt := fmt.Sprintf("%s lr %g", s.Optimizer, s.LearningRate)
	if st, ok := t.step.(*StepperStep); ok {
		opt = "own optimizers (" + strings.Join(st.names, ", ") + ")"
	}
	if s.EMADecay > 0 {
		opt += fmt.Sprintf(", ema %g", s.EMADecay)
	}
	batch := strconv.Itoa(s.BatchSize)
	if k := s.accumulate(); k > 1 {
		batch = fmt.Sprintf("%d (%d × %d accumulated)", s.BatchSize*k, k, s.BatchSize)
	}
	return fmt.Sprintf("%s, batch %s, %s on %s (%d examples%s); output in %s",
		length, batch, opt, s.Dataset, t.it.State().Len, prep, t.opts.OutDir)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// loop runs the steps; see Run. A tensor over tensor.MaxElements (a batch
// whose activations cannot fit) ends it with an error, not a crash.
func (t *Trainer) loop(ctx context.Context, log *metricsLog, ckpt string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(*tensor.SizeError)
			if !ok {
				panic(r)
			}
			err = t.failed(fmt.Errorf("%w; lower batch_size (or use --accumulate)", se))
		}
	}()
	bar := t.newBar()
	defer bar.Exit()
	start := time.Now()
	elapsed := func() float64 { return t.seconds + time.Since(start).Seconds() }
	defer func() { t.seconds = elapsed() }()
	var m meter
	since := time.Now()
	budget := cputime.Budget{Wall: t.opts.Budget, Cores: runtime.GOMAXPROCS(0)}
	budget.Start()
	for t.done < t.total {
		flags, err := t.par.anyOf(t.opts.Budget > 0 && budget.Exhausted(), ctx.Err() != nil)
		if err != nil {
			return err
		}
		if flags[0] {
			t.budgetSpent = true
			fmt.Fprintf(t.out, "\nstopping at step %d: the budget of %v on %d cores (%v of CPU time) is spent\n",
				t.done, t.opts.Budget, budget.Cores, budget.Spent().Round(time.Second))
			break
		}
		if flags[1] {
			if err := t.save(ckpt, elapsed()); err != nil {
				return fmt.Errorf("train: interrupted at step %d and the checkpoint could not be saved: %w", t.done, err)
			}
			fmt.Fprintln(t.out)
			cause := context.Cause(ctx)
			if cause == nil {
				cause = errors.New("another process was stopped")
			}
			return fmt.Errorf("train: %w at step %d; checkpoint saved to %s (continue with --resume): %w", ErrInterrupted, t.done, ckpt, cause)
		}
		batch, ok := t.it.Next()
		if !ok && t.done > 0 { // an epoch has ended: the held-out loss
			if v, measured, err := t.validationLoss(); err != nil {
				return err
			} else if measured {
				if err := log.write(Record{Step: t.done, Epoch: t.epoch, Seconds: elapsed(), Validation: true, ValLoss: v}); err != nil {
					return err
				}
			}
		}
		if !ok { // an epoch has ended
			if t.opts.CheckpointEvery == 0 && t.done > t.lastSaved {
				if err := t.save(ckpt, elapsed()); err != nil {
					return err
				}
			}
			continue
		}
		t.epoch = t.it.Epoch() + 1
		part := t.par.shard(batch)
		var (
			loss float64
			logs map[string]float64
		)
		// What lives from one step to the next hangs off the step (model,
		// optimizers, averages) and the process group; every other buffer
		// of the step is reused by the next.
		t.arena.Step(func() { loss, logs, err = t.step.Run(part, t.par.rngs) }, t.step, t.par)
		agreed, aerr := t.par.after(loss, logs, err != nil)
		switch {
		case aerr != nil:
			return aerr
		case err != nil:
			return t.failed(err)
		case agreed.failed:
			return t.failed(errors.New("the step failed in another process"))
		}
		loss, logs = agreed.loss, agreed.logs
		t.done++
		t.lastLoss = loss
		m.add(loss, logs, batch.Images.Dim(0))
		if t.done%int64(t.opts.LogEvery) == 0 || t.done == t.total {
			meanLoss, meanLogs, images := m.means()
			now := time.Now()
			ips := float64(images) / max(now.Sub(since).Seconds(), 1e-9)
			since = now
			rec := Record{Step: t.done, Epoch: t.epoch, Loss: meanLoss, LR: t.step.LR(), Seconds: elapsed(), ImagesPerSec: ips, Logs: meanLogs}
			if err := log.write(rec); err != nil {
				return err
			}
			bar.Describe(fmt.Sprintf("epoch %d  loss %.4g  %.0f %s/s", t.epoch, meanLoss, ips*t.unit.PerExample, t.unit.Name))
		}
		bar.Set64(t.done)
		if t.opts.OnStep != nil {
			t.opts.OnStep(StepInfo{Step: t.done, Epoch: t.epoch, Loss: loss, Logs: logs})
		}
		if t.opts.SampleEvery > 0 && t.opts.Samples > 0 && t.done%int64(t.opts.SampleEvery) == 0 && t.par.lead() {
			if err := t.sampleAlong(); err != nil {
				return err
			}
		}
		if t.opts.CheckpointEvery > 0 && t.done%int64(t.opts.CheckpointEvery) == 0 {
			if err := t.save(ckpt, elapsed()); err != nil {
				return err
			}
		}
	}
	if t.done > t.lastSaved {
		if err := t.save(ckpt, elapsed()); err != nil {
			return err
		}
	}
	bar.Finish()
	fmt.Fprintln(t.out)
	return nil
}

func (t *Trainer) newBar() *progressbar.ProgressBar {
	bar := progressbar.NewOptions64(t.total,
		progressbar.OptionSetWriter(t.out),
		progressbar.OptionSetVisibility(!t.opts.Quiet),
		progressbar.OptionSetDescription(fmt.Sprintf("%s  epoch %d", t.cfg.Name, max(t.epoch, 1))),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(200*time.Millisecond),
	)
	bar.Set64(t.done)
	return bar
}

// failed turns a step's error into Run's, saying which checkpoint holds
// the last good parameters.
func (t *Trainer) failed(err error) error {
	kept := "no checkpoint had been written yet"
	if t.lastSaved >= 0 {
		kept = fmt.Sprintf("the last good checkpoint (step %d) is kept in %s", t.lastSaved, filepath.Join(t.opts.OutDir, CheckpointFile))
	}
	if errors.Is(err, ErrNonFinite) {
		return fmt.Errorf("train: step %d (epoch %d): training diverged: %w; %s; try a lower learning rate or grad_clip",
			t.done+1, t.epoch, err, kept)
	}
	return fmt.Errorf("train: step %d (epoch %d): %w; %s", t.done+1, t.epoch, err, kept)
}

// save writes a checkpoint of the current step. Every rank calls it;
// rank 0 writes.
func (t *Trainer) save(path string, seconds float64) error {
	t.arena.Clear() // the encoder copies the weights and optimizer state
	if err := t.par.syncBuffers(t.model); err != nil {
		return err
	}
	if !t.par.lead() {
		t.lastSaved = t.done
		return nil
	}
	opt, ema := t.step.State()
	cfg, err := json.Marshal(t.cfg)
	if err != nil {
		return fmt.Errorf("train: checkpoint config: %w", err)
	}
	settings, err := json.Marshal(t.settings)
	if err != nil {
		return fmt.Errorf("train: checkpoint settings: %w", err)
	}
	st := t.it.State()
	c := checkpoint.Checkpoint{
		Step:   t.done,
		Model:  nn.State(t.model),
		Optim:  opt,
		EMA:    ema,
		RNG:    t.rngs.State(),
		Config: cfg,
		Data: map[string]int64{
			"seed": int64(st.Seed), "shuffle": boolInt(st.Shuffle),
			"epoch": int64(st.Epoch), "position": int64(st.Position), "len": int64(st.Len),
		},
		Metadata: map[string]string{
			"settings": string(settings),
			"seconds":  strconv.FormatFloat(seconds, 'g', -1, 64),
		},
	}
	if err := c.Save(path); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	t.lastSaved = t.done
	return nil
}

// resume restores the state of the checkpoint at path.
func (t *Trainer) resume(path string) error {
	c, err := checkpoint.Read(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("train: nothing to resume: %s does not exist", path)
	}
	if err != nil {
		return fmt.Errorf("train: resume: %w", err)
	}
	if err := c.RestoreModel(t.model); err != nil {
		return fmt.Errorf("train: resume: %w", err)
	}
	if err := t.step.LoadState(c.Optim, c.EMA); err != nil {
		return fmt.Errorf("train: resume %s: %w", path, err)
	}
	t.resumeNotes = settingsChanges(c.Metadata["settings"], t.settings)
	if ls, ok := t.step.(*LossStep); ok {
		// The optimizer state holds the rate it stopped at; a rate given
		// for this run wins (a schedule sets it again at every step).
		ls.Opt.SetLR(t.settings.LearningRate)
	}
	if err := t.rngs.SetState(c.RNG); err != nil {
		return fmt.Errorf("train: resume %s: %w", path, err)
	}
	st, err := iteratorState(c.Data)
	if err != nil {
		return fmt.Errorf("train: resume %s: %w", path, err)
	}
	if err := t.it.SetState(st); err != nil {
		return fmt.Errorf("train: resume %s: %w", path, err)
	}
	if s, ok := c.Metadata["seconds"]; ok {
		if t.seconds, err = strconv.ParseFloat(s, 64); err != nil || math.IsNaN(t.seconds) {
			return fmt.Errorf("train: resume %s: bad training time %q", path, s)
		}
	}
	t.done, t.lastSaved, t.epoch = c.Step, c.Step, st.Epoch+1
	if st.Position == 0 {
		t.epoch = st.Epoch // the checkpoint was taken at the end of the previous epoch
	}
	return nil
}

// settingsChanges lists the settings of now that differ from those a
// checkpoint recorded (saved, JSON), each as "setting: old → new": a
// resumed run applies them and says so, and its checkpoints record them.
func settingsChanges(saved string, now Settings) []string {
	var old map[string]any
	if json.Unmarshal([]byte(saved), &old) != nil {
		return nil
	}
	b, err := json.Marshal(now)
	if err != nil {
		return nil
	}
	var cur map[string]any
	if json.Unmarshal(b, &cur) != nil {
		return nil
	}
	var out []string
	for _, k := range sortedKeys(cur) {
		if o, n := fmt.Sprint(old[k]), fmt.Sprint(cur[k]); o != n && k != "steps" && k != "epochs" {
			out = append(out, fmt.Sprintf("%s changed from %s to %s for the resumed steps", k, o, n))
		}
	}
	return out
}

// iteratorState reads the data position a checkpoint stores.
func iteratorState(d map[string]int64) (data.IteratorState, error) {
	for _, k := range []string{"seed", "shuffle", "epoch", "position", "len"} {
		if _, ok := d[k]; !ok {
			return data.IteratorState{}, fmt.Errorf("checkpoint has no data position %q", k)
		}
	}
	return data.IteratorState{
		Seed: uint64(d["seed"]), Shuffle: d["shuffle"] != 0,
		Epoch: int(d["epoch"]), Position: int(d["position"]), Len: int(d["len"]),
	}, nil
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// drawSamples draws samples with Options.Outputs into dir (see
// Outputs.Samples) and returns the file written, "" for none.
func (t *Trainer) drawSamples(dir, base string) (string, error) {
	if t.opts.Outputs == nil {
		return "", nil
	}
	var path string
	draw := func() error {
		nn.SetTraining(t.model, false)
		defer nn.SetTraining(t.model, true)
		var err error
		tensor.NoGrad(func() { path, err = t.opts.Outputs.Samples(t.model, t.opts.Samples, t.rngs.Fork("samples"), dir, base) })
		return err
	}
	var err error
	if avg := t.step.Average(); avg != nil {
		err = avg.With(nn.Parameters(t.model), draw)
	} else {
		err = draw()
	}
	if err != nil {
		return "", fmt.Errorf("train: samples: %w", err)
	}
	return path, nil
}
