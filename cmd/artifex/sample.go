package main

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/modality/image"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/train"
)

func sampleCommand(reg *factory.Registry) *cobra.Command {
	var ckpt, out, dataDir string
	var n, nrow int
	var seed uint64
	var so sampleOptions
	cmd := &cobra.Command{
		Use:   "sample --checkpoint DIR",
		Short: "Draw samples from a trained model into a PNG (an image grid, or a scatter plot for 2-D data)",
		Long: `Draws samples from a trained model: a grid of images, or for a model of
points (nsf_tabular's 2-D densities) a scatter plot, and for a model that
translates images (CycleGAN) the translations of the first test images. Models that keep a
weight average (ema_decay) sample with it.

Diffusion models take --sampler (DDPM: ddpm or ddim; ScoreDiffusion:
euler_maruyama or pc), --steps and, for ddim, --eta; flows and VAEs take
--temperature. Left out, each takes the model's configured value.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			flags := cmd.Flags()
			so.samplerSet, so.stepsSet, so.etaSet, so.temperatureSet = flags.Changed("sampler"), flags.Changed("steps"), flags.Changed("eta"), flags.Changed("temperature")
			c, err := train.LoadCheckpoint(ckpt, reg)
			if err != nil {
				return err
			}
			rngs := nn.NewRngs(seed)
			if _, points := train.PointModel(c.Model); points {
				if !flags.Changed("num") {
					n = 2000
				}
				x, err := so.points(c.Model, n, rngs)
				if err != nil {
					return err
				}
				if err := train.PlotPoints(x, fmt.Sprintf("%s (step %d)", c.Config.Name, c.Checkpoint.Step), out); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%d points of %s (step %d) drawn as a scatter plot in %s\n", n, c.Config.Name, c.Checkpoint.Step, out)
				return nil
			}
			if tr, ok := c.Model.(translator); ok {
				if !flags.Changed("num") {
					n = 8
				}
				if so.diffusionSet() || so.temperatureSet {
					return fmt.Errorf("sample: --sampler, --steps, --eta and --temperature do not apply to model %s, which translates images", describe(c.Model))
				}
				grid, err := translations(tr, c.Settings.Dataset, dataDir, n)
				if err != nil {
					return err
				}
				if err := image.SaveGrid(out, grid, n); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "translations of %d %s test images by %s (step %d) written to %s (rows: source, translated, target domain, translated back)\n",
					n, c.Settings.Dataset, c.Config.Name, c.Checkpoint.Step, out)
				return nil
			}
			images, err := so.images(c.Model, n, rngs)
			if err != nil {
				return err
			}
			if nrow <= 0 {
				nrow = max(1, int(math.Ceil(math.Sqrt(float64(n)))))
			}
			if err := image.SaveGrid(out, images, nrow); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d samples of %s (step %d) written to %s\n", n, c.Config.Name, c.Checkpoint.Step, out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&ckpt, "checkpoint", "", "training output directory or checkpoint file")
	f.IntVarP(&n, "num", "n", 64, "number of samples (points of a 2-D model: default 2000)")
	f.IntVar(&nrow, "nrow", 0, "images per row (default: a square grid)")
	f.StringVar(&out, "out", "samples.png", "PNG file to write")
	f.Uint64Var(&seed, "seed", 0, "seed of the sampling streams")
	f.StringVar(&dataDir, "data-dir", "", "directory searched first for the test images a translation model (CycleGAN) translates")
	f.StringVar(&so.sampler, "sampler", "", "diffusion sampler: ddpm or ddim (DDPM), euler_maruyama or pc (ScoreDiffusion)")
	f.IntVar(&so.steps, "steps", 0, "diffusion: number of denoising steps")
	f.Float64Var(&so.eta, "eta", 0, "DDIM's eta: 0 is deterministic, 1 has the DDPM posterior's variance")
	f.Float64Var(&so.temperature, "temperature", 1, "flows and VAEs: scale of the base or prior distribution's spread")
	cmd.MarkFlagRequired("checkpoint")
	return cmd
}

func evaluateCommand(reg *factory.Registry) *cobra.Command {
	var ckpt, dataDir string
	var limit int
	var seed uint64
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "evaluate --checkpoint DIR",
		Short: "Compute a trained model's metrics on the test split of its data set",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := train.LoadCheckpoint(ckpt, reg)
			if err != nil {
				return err
			}
			metrics, err := train.Evaluate(c, dataDir, limit, nn.NewRngs(seed))
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				b, err := json.Marshal(metrics)
				if err != nil {
					return fmt.Errorf("metrics: %w", err)
				}
				fmt.Fprintln(out, string(b))
				return nil
			}
			fmt.Fprintf(out, "%s (step %d) on the %s test split\n", c.Config.Name, c.Checkpoint.Step, c.Settings.Dataset)
			w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "METRIC\tVALUE")
			keys := make([]string, 0, len(metrics))
			for k := range metrics {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				fmt.Fprintf(w, "%s\t%.6g\n", k, metrics[k])
			}
			return w.Flush()
		},
	}
	f := cmd.Flags()
	f.StringVar(&ckpt, "checkpoint", "", "training output directory or checkpoint file")
	f.StringVar(&dataDir, "data-dir", "", "directory searched first for the data set")
	f.IntVar(&limit, "limit", 0, "evaluate only the first N test images (0: all)")
	f.Uint64Var(&seed, "seed", 0, "seed of the evaluation's random streams (importance samples, binarisation)")
	f.BoolVar(&asJSON, "json", false, "print the metrics as one JSON object")
	cmd.MarkFlagRequired("checkpoint")
	return cmd
}
