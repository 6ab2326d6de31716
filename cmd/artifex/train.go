package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/dist"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/job"
	"github.com/artifex-go/artifex/train"
	"github.com/artifex-go/artifex/zoo"
)

func trainCommand(reg *factory.Registry) *cobra.Command {
	var (
		zooName, cfgFile, dataDir, out string
		epochs, steps, batch, accum    int
		lr                             float64
		seed                           uint64
		resume, quiet                  bool
		ckptEvery, logEvery, samples   int
		sampleEvery                    int
		budget                         time.Duration
		sets                           []string
	)
	cmd := &cobra.Command{
		Use:   "train --zoo NAME | --config FILE",
		Short: "Train a model on its data set, writing checkpoints, metrics, a loss curve and samples",
		Long: `Trains the model of a zoo configuration or a configuration file with the
training defaults in its metadata.training_defaults; the flags override them.

The output directory receives checkpoint.safetensors (after every epoch, or
every --checkpoint-every steps, and at the end), config.yaml, metrics.jsonl,
loss.png and samples.png. Ctrl-C saves a checkpoint and stops; --resume
continues it exactly (same data order, same random draws). With --resume the
model and settings can be left out: they are read from the checkpoint.
--epochs and --steps give the total length, earlier runs included.
--budget 30m stops earlier, as at a normal end, once the process has used
30 minutes on every core in CPU time (30 minutes on an idle machine, longer
on a busy one); it counts this invocation only.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			flags := cmd.Flags()
			if err := errors.Join(
				checkDataDir("train", dataDir),
				positive("train", flags, map[string]int{"epochs": epochs, "steps": steps, "batch-size": batch, "accumulate": accum, "log-every": logEvery}),
				notNegative("train", flags, map[string]int{"checkpoint-every": ckptEvery, "samples": samples, "sample-every": sampleEvery}, budget),
			); err != nil {
				return err
			}
			var cfg config.ModelConfiguration
			var s train.Settings
			var err error
			switch {
			case zooName != "" && cfgFile != "":
				return errors.New("train: give --zoo or --config, not both")
			case zooName != "":
				cfg, err = zoo.GetConfig(zooName)
			case cfgFile != "":
				cfg, err = config.Load(cfgFile)
			case resume && out != "":
				cfg, s, err = job.CheckpointSetup(out)
				if err != nil {
					return err
				}
			case resume:
				return errors.New("train: --resume without --zoo or --config needs --out DIR, the directory of the run to continue")
			default:
				return errors.New("train: name a model with --zoo NAME (see `artifex zoo list`) or --config FILE")
			}
			if err != nil {
				return err
			}
			if len(sets) > 0 {
				if zooName == "" && cfgFile == "" {
					return errors.New("train: --set changes the configuration named with --zoo or --config; a resumed run keeps its checkpoint's")
				}
				o, err := zoo.ParseAssignments(sets)
				if err != nil {
					return fmt.Errorf("train: --set %w", err)
				}
				if cfg, err = o.ApplyWith(reg, cfg); err != nil {
					return fmt.Errorf("train: --set %w", err)
				}
			}
			if zooName != "" || cfgFile != "" {
				if s, err = train.SettingsFromConfig(cfg); err != nil {
					return err
				}
			}
			if flags.Changed("epochs") {
				s.Epochs, s.Steps = epochs, 0
			}
			if flags.Changed("steps") {
				s.Steps = steps
			}
			if flags.Changed("batch-size") {
				s.BatchSize = batch
			}
			if flags.Changed("accumulate") {
				s.Accumulate = accum
			}
			if flags.Changed("lr") {
				s.LearningRate = lr
			}
			if flags.Changed("seed") {
				s.Seed = seed
			}
			if out == "" {
				if err := cfg.Validate(); err != nil { // its name makes the path
					return fmt.Errorf("train: configuration %q: %w", cfg.Name, err)
				}
				out = filepath.Join("runs", cfg.Name)
			}
			// The output directory is made and checked before the data
			// set is read and the model built.
			if err := writableDir("train", out); err != nil {
				return err
			}
			// Launched by mpirun or srun, this process is one rank of the
			// job (built with -tags mpi); otherwise the job is this process.
			comm, err := dist.Open()
			if err != nil {
				return err
			}
			res, err := job.Run(cmd.Context(), cfg, s, job.Options{
				Options: train.Options{
					OutDir: out, Resume: resume, Quiet: quiet, Progress: cmd.ErrOrStderr(),
					CheckpointEvery: ckptEvery, LogEvery: logEvery,
					Samples: samplesOption(samples), Budget: budget, Comm: comm, SampleEvery: sampleEvery,
				},
				DataDir: dataDir, Registry: reg,
			})
			err = errors.Join(err, comm.Close())
			if err != nil || comm.Rank() != 0 {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "trained %s: %d steps (epoch %d) in %.1f s, last loss %.6g\n", cfg.Name, res.Steps, res.Epoch, res.Seconds, res.Loss)
			if res.BudgetSpent {
				fmt.Fprintf(w, "stopped early: the --budget of %v is spent\n", budget)
			}
			for _, f := range []struct{ what, path string }{
				{"checkpoint", res.Checkpoint}, {"metrics", res.Metrics}, {"loss curve", res.LossCurve}, {"samples", res.Samples},
			} {
				if f.path != "" {
					fmt.Fprintf(w, "%-11s %s\n", f.what+":", f.path)
				}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&zooName, "zoo", "", "zoo configuration to train (artifex zoo list)")
	f.StringVar(&cfgFile, "config", "", "configuration file (.yaml, .yml or .json) to train")
	f.IntVar(&epochs, "epochs", 0, "number of epochs (default: training_defaults.epochs)")
	f.IntVar(&steps, "steps", 0, "total number of steps, instead of epochs")
	f.IntVar(&batch, "batch-size", 0, "images per step (default: training_defaults.batch_size)")
	f.IntVar(&accum, "accumulate", 1, "batches whose gradients are summed before each update: an update on a batch this many times as large, in the memory of one")
	f.Float64Var(&lr, "lr", 0, "learning rate (default: training_defaults.learning_rate)")
	f.Uint64Var(&seed, "seed", 0, "seed of every random stream (default: training_defaults.seed or 0)")
	f.StringVar(&dataDir, "data-dir", "", "directory searched first for the data set (then $ARTIFEX_DATA and the default places)")
	f.StringVar(&out, "out", "", "output directory (default runs/<config name>)")
	f.BoolVar(&resume, "resume", false, "continue the run whose checkpoint is in --out")
	f.BoolVar(&quiet, "quiet", false, "no progress bar")
	f.IntVar(&ckptEvery, "checkpoint-every", 0, "save a checkpoint every so many steps (default: every epoch)")
	f.IntVar(&logEvery, "log-every", 10, "write a metrics record every so many steps")
	f.IntVar(&sampleEvery, "sample-every", 0, "also draw the sample grid every so many steps, into samples/step_NNNNNN.png (0: only at the end)")
	f.IntVar(&samples, "samples", 64, "images in the final sample grid (0: none)")
	f.DurationVar(&budget, "budget", 0, "stop once this much time on every core has been used in CPU time, e.g. 30m (0: no limit)")
	f.StringArrayVar(&sets, "set", nil, "change the configuration, key=value (YAML value; repeatable): hidden_dims=[1024,512], parameters.kl_weight=0.5, learning_rate=1e-4")
	return cmd
}

// samplesOption maps the --samples flag to Options.Samples, where zero
// means the default and a negative number none.
func samplesOption(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}
