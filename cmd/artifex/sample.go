package main

import (
	"fmt"
	"math"

	"github.com/spf13/cobra"

	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/modality/image"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/train"
)

func sampleCommand(reg *factory.Registry) *cobra.Command {
	var ckpt, out string
	var n, nrow int
	var seed uint64
	cmd := &cobra.Command{
		Use:   "sample --checkpoint DIR",
		Short: "Draw images from a trained model into a PNG grid",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := train.LoadCheckpoint(ckpt, reg)
			if err != nil {
				return err
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
	f.StringVar(&out, "out", "samples.png", "PNG file to write")
	f.Uint64Var(&seed, "seed", 0, "seed of the sampling streams")
	cmd.MarkFlagRequired("checkpoint")
	return cmd
}
