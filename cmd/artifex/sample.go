package main

import (
	"fmt"
	"math"

	"github.com/spf13/cobra"

	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/modality/image"
	"github.com/artifex-go/artifex/modality/tabular"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/train"
)

func sampleCommand(reg *factory.Registry) *cobra.Command {
	var ckpt, out string
	var n, nrow int
	var seed uint64
	cmd := &cobra.Command{
		Use:   "sample --checkpoint DIR",
		Short: "Draw images from a trained model into a PNG grid (rows into a CSV file for tabular models)",
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
