package main

import (
	"fmt"
	"io"
	"math"

	"github.com/spf13/cobra"

	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/modality/image"
	"github.com/artifex-go/artifex/modality/tabular"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/train"
)

func sampleCommand(reg *factory.Registry) *cobra.Command {
	var ckpt, out string
	var n, nrow int
	var seed uint64
	var ts textSampling
	cmd := &cobra.Command{
		Use:   "sample --checkpoint DIR",
		Short: "Draw images from a trained model into a PNG grid (rows into a CSV file for tabular models, text for language models)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := train.LoadCheckpoint(ckpt, reg)
			if err != nil {
				return err
			}
			if ts, ok := c.Model.(tabular.Sampler); ok {
				if !cmd.Flags().Changed("out") {
					out = "samples.csv"
				}
				return sampleRows(cmd, c, ts, n, seed, out)
			}
			if lm, ok := c.Model.(models.TextSampler); ok {
				if !cmd.Flags().Changed("num") {
					n = 4
				}
				return ts.print(cmd.OutOrStdout(), lm, c, n, seed)
			}
			images, err := train.SampleImages(c.Model, n, nn.NewRngs(seed))
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
	f.IntVarP(&n, "num", "n", 64, "number of samples")
	f.IntVar(&nrow, "nrow", 0, "images per row (default: a square grid)")
	f.StringVar(&out, "out", "samples.png", "PNG file to write (CSV file for tabular models, default samples.csv)")
	f.Uint64Var(&seed, "seed", 0, "seed of the sampling streams")
	f.StringVar(&ts.prompt, "prompt", "\n", "text models: the text every sample continues")
	f.IntVar(&ts.maxTokens, "max-tokens", 200, "text models: tokens to generate per sample")
	f.Float64Var(&ts.temperature, "temperature", 0.8, "text models: sampling temperature (0: greedy)")
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
