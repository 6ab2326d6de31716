package main

import (
	"fmt"
	"io"
	"math"

	"github.com/spf13/cobra"

	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/modality/audio"
	"github.com/artifex-go/artifex/modality/image"
	"github.com/artifex-go/artifex/modality/tabular"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/train"
)

func sampleCommand(reg *factory.Registry) *cobra.Command {
	var ckpt, out, dataDir string
	var n, nrow int
	var seed uint64
	ts := textSampling{temperature: 0.8}
	as := audioSampling{temperature: 1}
	var so sampleOptions
	cmd := &cobra.Command{
		Use:   "sample --checkpoint DIR",
		Short: "Draw samples from a trained model: a PNG image grid or scatter plot, CSV rows for tabular models, text for language models, WAV files for audio models, PDB, PLY or OBJ files for 3-D shapes",
		Long: `Draws samples from a trained model: a grid of images, or for a model of
points (nsf_tabular's 2-D densities) a scatter plot, and for a model that
translates images (CycleGAN) the translations of the first test images;
tabular models write CSV rows, language models print text and audio models
(WaveNet) write --seconds of audio per sample as 16-bit WAV files (one by
default, samples.wav). Models of 3-D shapes write one file per sample (8 by
default) into the directory --out (default samples/), or NAME_001.EXT ...
for --out NAME.EXT: protein structures as PDB files (backbone N, CA, C, O
of glycines, chain A, residues numbered from 1; CA only for CA models),
point clouds and graphs as PLY, meshes as OBJ (or .off, .ply). Models that
keep a weight average (ema_decay) sample with it.

Diffusion models take --sampler (DDPM: ddpm or ddim; ScoreDiffusion:
euler_maruyama or pc), --steps and, for ddim, --eta; flows and VAEs take
--temperature (language models and audio models too, default 0.8 and 1). Left out, each
takes the model's configured value.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			flags := cmd.Flags()
			so.samplerSet, so.stepsSet, so.etaSet, so.temperatureSet = flags.Changed("sampler"), flags.Changed("steps"), flags.Changed("eta"), flags.Changed("temperature")
			c, err := train.LoadCheckpointData(ckpt, reg, dataDir)
			if err != nil {
				return err
			}
			if ts, ok := c.Model.(tabular.Sampler); ok {
				if !cmd.Flags().Changed("out") {
					out = "samples.csv"
				}
				return sampleRows(cmd, c, ts, n, seed, out)
			}
			if sm, ok := shapeModelOf(c.Model); ok {
				if !flags.Changed("out") {
					out = "samples"
				}
				if !flags.Changed("num") {
					n = 8
				}
				return sampleShapes(cmd, c, sm, n, seed, out, so)
			}
			if lm, ok := c.Model.(models.TextSampler); ok {
				if !cmd.Flags().Changed("num") {
					n = 4
				}
				if so.temperatureSet {
					ts.temperature = so.temperature
				}
				return ts.print(cmd.OutOrStdout(), lm, c, n, seed)
			}
			if wm, ok := c.Model.(*audio.Waveform); ok {
				if !flags.Changed("num") {
					n = 1
				}
				if !flags.Changed("out") {
					out = "samples.wav"
				}
				if so.temperatureSet {
					as.temperature = so.temperature
				}
				return as.write(cmd.OutOrStdout(), c, wm, n, seed, out)
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
					return fmt.Errorf("sample: --sampler, --steps, --eta and --temperature do not apply to model %s, which translates images (they are settings of diffusion models, flows and VAEs)", describe(c.Model))
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
	f.IntVarP(&n, "num", "n", 64, "number of samples (points of a 2-D model: default 2000; audio clips: default 1; 3-D shapes: default 8)")
	f.IntVar(&nrow, "nrow", 0, "images per row (default: a square grid)")
	f.StringVar(&out, "out", "samples.png", "PNG file to write (CSV file for tabular models, default samples.csv; WAV file for audio models, default samples.wav; directory or NAME.pdb/.ply/.obj/.off for 3-D shapes, default samples/)")
	f.Float64Var(&as.seconds, "seconds", 2, "audio models: length of each sample in seconds")
	f.Uint64Var(&seed, "seed", 0, "seed of the sampling streams")
	f.StringVar(&dataDir, "data-dir", "", "directory searched first for the table a tabular model was fit on and the test images a translation model (CycleGAN) translates")
	f.StringVar(&so.sampler, "sampler", "", "diffusion sampler: ddpm or ddim (DDPM), euler_maruyama or pc (ScoreDiffusion)")
	f.IntVar(&so.steps, "steps", 0, "diffusion: number of denoising steps")
	f.Float64Var(&so.eta, "eta", 0, "DDIM's eta: 0 is deterministic, 1 has the DDPM posterior's variance")
	f.Float64Var(&so.temperature, "temperature", 1, "flows and VAEs: scale of the base or prior distribution's spread; language models: sampling temperature (0: greedy, default 0.8); audio models: sampling temperature (default 1)")
	f.StringVar(&ts.prompt, "prompt", "\n", "text models: the text every sample continues")
	f.IntVar(&ts.maxTokens, "max-tokens", 200, "text models: tokens to generate per sample")
	f.IntVar(&ts.topK, "top-k", 0, "text models: sample among the k most likely tokens (0: all)")
	f.Float64Var(&ts.topP, "top-p", 0.95, "text models: nucleus sampling mass (1: all)")
	cmd.MarkFlagRequired("checkpoint")
	return cmd
}

// sampleRows draws n rows from a tabular model and writes them as CSV.
func sampleRows(cmd *cobra.Command, c *train.Checkpointed, ts tabular.Sampler, n int, seed uint64, out string) error {
	if n <= 0 {
		return fmt.Errorf("sample: number of samples must be > 0, got %d", n)
	}
	rows, err := ts.SampleTable(n, nn.NewRngs(seed))
	if err != nil {
		return err
	}
	if err := rows.WriteCSVFile(out); err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%d rows of %s (step %d) written to %s\n", n, c.Config.Name, c.Checkpoint.Step, out)
	return nil
}

// textSampling are the sample command's settings for language models.
type textSampling struct {
	prompt      string
	maxTokens   int
	temperature float64
	topK        int
	topP        float64
}

// print writes n continuations of the prompt, each under a header line.
func (ts textSampling) print(w io.Writer, lm models.TextSampler, c *train.Checkpointed, n int, seed uint64) error {
	if n <= 0 {
		return fmt.Errorf("number of samples must be > 0, got %d", n)
	}
	rngs := nn.NewRngs(seed)
	for i := range n {
		s, err := lm.SampleText(ts.prompt, ts.maxTokens, ts.temperature, ts.topK, ts.topP, rngs)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "--- sample %d of %s (step %d)\n%s\n", i+1, c.Config.Name, c.Checkpoint.Step, s)
	}
	return nil
}
