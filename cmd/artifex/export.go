package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/artifex-go/artifex/checkpoint"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/job"
	"github.com/artifex-go/artifex/metrics"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/train"
)

// The files of an exported directory besides the weights and config.yaml.
const (
	modelCardFile = "MODEL_CARD.md"
	// evaluationFile is the metrics JSON export looks for beside the
	// checkpoint (written by `evaluate --out`) and copies into the export.
	evaluationFile = "evaluate.json"
)

// exportDTypes maps --dtype to the stored element type.
var exportDTypes = map[string]checkpoint.DType{"float32": checkpoint.F32, "float16": checkpoint.F16, "bfloat16": checkpoint.BF16}

func exportCommand(reg *factory.Registry) *cobra.Command {
	var ckpt, out, dtype, metricsFile, notesFile, dataDir string
	cmd := &cobra.Command{
		Use:   "export --checkpoint DIR --out DIR2",
		Short: "Write a run's weights to share: model.safetensors (the averaged weights when the run kept an average), config.yaml and MODEL_CARD.md",
		Long: `Writes into --out the weights of a checkpoint alone, without optimizer
state, random streams or data position: model.safetensors (the weights
sample uses, i.e. the average when the run kept one, ema_decay or a
diffusion model's EMA; parameters stored as --dtype, other state as
float32; CRC-32C checked on loading), config.yaml (the effective
configuration with the run's training settings in
metadata.training_defaults), MODEL_CARD.md (what the checkpoint knows:
configuration, data set, steps, training time, an equivalent train
command, evaluation, intended use and limits) and evaluate.json when there
are metrics. sample and evaluate take the directory as they take a run's.

The card's metrics come from --metrics, by default evaluate.json beside the
checkpoint if it exists (write it with evaluate --out DIR/evaluate.json).
--notes FILE appends a Markdown file to the card (how it was trained: the
command as run, the CPU time, the machine).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dt, ok := exportDTypes[dtype]
			if !ok {
				return fmt.Errorf("export: --dtype %q: want float32, float16 or bfloat16", dtype)
			}
			if err := checkDataDir("export", dataDir); err != nil {
				return err
			}
			if _, err := os.Stat(filepath.Join(out, train.CheckpointFile)); err == nil {
				return fmt.Errorf("export: --out %s holds a training checkpoint; export into another directory", out)
			}
			var notes []byte
			if notesFile != "" {
				var err error
				if notes, err = os.ReadFile(notesFile); err != nil {
					return fmt.Errorf("export: --notes: %w", err)
				}
			}
			c, err := job.LoadCheckpointData(ckpt, reg, dataDir)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("metrics") {
				metricsFile = filepath.Join(filepath.Dir(c.Path), evaluationFile)
			}
			metrics, err := readMetrics(metricsFile, cmd.Flags().Changed("metrics"), c.Settings.Dataset)
			if err != nil {
				return err
			}
			if err := job.Export(c, out, dt); err != nil {
				return err
			}
			if metrics != nil {
				if err := writeJSON(filepath.Join(out, evaluationFile), metrics); err != nil {
					return err
				}
			}
			card, err := modelCard(c, out, dtype, metrics, metricsFile, notes)
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(out, modelCardFile), card, 0o644); err != nil {
				return fmt.Errorf("export: %w", err)
			}
			st, err := os.Stat(filepath.Join(out, job.WeightsFile))
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "exported %s (step %d) to %s: %s (%s, %s), %s, %s\n", c.Config.Name, c.Checkpoint.Step, out,
				job.WeightsFile, dtype, megabytes(st.Size()), train.ConfigFile, modelCardFile)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&ckpt, "checkpoint", "", "training output directory or checkpoint file")
	f.StringVar(&out, "out", "", "directory to write the export into (created if missing)")
	f.StringVar(&dtype, "dtype", "float32", "element type of the stored parameters: float32, float16 or bfloat16")
	f.StringVar(&metricsFile, "metrics", "", "JSON metrics written by evaluate --out, reported in the card (default: evaluate.json beside the checkpoint, if present)")
	f.StringVar(&notesFile, "notes", "", "Markdown file appended to the model card")
	f.StringVar(&dataDir, "data-dir", "", "directory searched first for the table a tabular model was fit on")
	cmd.MarkFlagRequired("checkpoint")
	cmd.MarkFlagRequired("out")
	return cmd
}

// readMetrics reads the metrics JSON of evaluate --out; a missing file
// is no metrics unless the user named it. A file written before evaluate
// named its classifier metrics for their features ("fid" rather than
// "fid_mnist_classifier") has them renamed as evaluate now names them
// for dataset: they were computed on the same classifier.
func readMetrics(path string, named bool, dataset string) (map[string]float64, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !named {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("export: metrics: %w", err)
	}
	var m map[string]float64
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("export: metrics %s: want the JSON object evaluate --out writes: %w", path, err)
	}
	for k, v := range m {
		if nk := metrics.ClassifierKey(k, dataset); nk != k {
			delete(m, k)
			if _, ok := m[nk]; !ok {
				m[nk] = v
			}
		}
	}
	return m, nil
}

func megabytes(n int64) string { return strconv.FormatFloat(float64(n)/1e6, 'f', 2, 64) + " MB" }

// modelCard writes the card of an export from what the checkpoint knows.
func modelCard(c *job.Checkpointed, dir, dtype string, metrics map[string]float64, metricsFile string, notes []byte) ([]byte, error) {
	cfgYAML, err := os.ReadFile(filepath.Join(dir, train.ConfigFile))
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	st, err := os.Stat(filepath.Join(dir, job.WeightsFile))
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	cfg, s, step := c.Config, c.Settings, c.Checkpoint.Step
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# %s\n\n", cfg.Name)
	if cfg.Description != "" {
		p("%s\n\n", cfg.Description)
	}
	p("`%s`, %d parameters, trained for %d steps on `%s`. Exported by `artifex export`: `%s` (%s) holds the parameters as %s (other state as float32), `%s` the configuration.\n\n",
		cfg.ModelClass, nn.CountParameters(c.Model), step, s.Dataset, job.WeightsFile, megabytes(st.Size()), dtype, train.ConfigFile)
	// Which weights were written is read back from the file: the loaded
	// checkpoint holds the average in its parameters without saying so.
	written, err := checkpoint.Load(filepath.Join(dir, job.WeightsFile))
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	switch written.Metadata[job.AverageKey] {
	case "train":
		p("The weights are the exponential moving average of the trained weights (`ema_decay` %g), the ones the run sampled with.\n\n", s.EMADecay)
	case "model":
		p("The weights are the model's own exponential moving average of its trained weights, the ones it samples with.\n\n")
	default:
		p("The weights are the trained weights (the run kept no average).\n\n")
	}
	p("## Use\n\n```sh\nartifex sample --checkpoint %[1]s -n 64 --out samples.png\nartifex evaluate --checkpoint %[1]s\n```\n\n", dir)
	p("`%s` is a safetensors file: Python's `safetensors` reads it; tensor names are the model's parameter paths.\n\n", job.WeightsFile)

	p("## Training\n\n| | |\n|---|---|\n")
	p("| data set | `%s`, training split |\n", s.Dataset)
	p("| steps | %d (batch size %d", step, s.BatchSize)
	if s.Accumulate > 1 {
		p(", %d batches per update", s.Accumulate)
	}
	p(") |\n| optimizer | %s, learning rate %g", s.Optimizer, s.LearningRate)
	if s.Schedule != "" {
		p(", %s schedule", s.Schedule)
	}
	p(" |\n| seed | %d |\n", s.Seed)
	if secs, err := strconv.ParseFloat(c.Checkpoint.Metadata["seconds"], 64); err == nil {
		p("| training time | %.0f s of wall-clock time (checkpoints record no CPU time) |\n", secs)
	}
	p("\nAn equivalent run, from the exported configuration (its training defaults are the run's settings):\n\n")
	p("```sh\nartifex train --config %s --steps %d --out runs/%s\n```\n\n", filepath.Join(dir, train.ConfigFile), step, cfg.Name)

	p("## Evaluation\n\n")
	if metrics == nil {
		p("None was recorded beside the checkpoint; `artifex evaluate --checkpoint RUN --out RUN/%s` before exporting puts its metrics here.\n\n", evaluationFile)
	} else {
		p("From `%s` (written by `artifex evaluate --out`; copied to `%s`), on the `%s` data set:\n\n```\n", filepath.Base(metricsFile), evaluationFile, s.Dataset)
		w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		for _, k := range slices.Sorted(maps.Keys(metrics)) {
			fmt.Fprintf(w, "%s\t%.6g\n", k, metrics[k])
		}
		w.Flush()
		p("```\n\n")
	}

	p("## Intended use and limits\n\n")
	p("- For research, teaching and tests of generative modelling: samples resemble the `%s` training data and nothing else; the model inherits that data set's content and biases.\n", s.Dataset)
	p("- Its quality is what the evaluation above measured after %d steps, no more; image metrics ending in `_classifier` (`fid_mnist_classifier` ...) use the features of this project's classifier for the data set, not Inception's, so they do not compare with published values.\n", step)
	if dtype != "float32" {
		p("- Stored as %s: samples are close to, not identical with, those of the float32 weights.\n", dtype)
	}
	p("- Not for decisions about people, and not a source of real data: its samples are made up.\n\n")
	p("## Configuration\n\n```yaml\n%s```\n", cfgYAML)
	if len(notes) > 0 {
		p("\n## Notes\n\n%s", notes)
		if !bytes.HasSuffix(notes, []byte("\n")) {
			p("\n")
		}
	}
	return b.Bytes(), nil
}
