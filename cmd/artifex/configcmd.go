package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/internal/sysmem"
	"github.com/artifex-go/artifex/models"
	"github.com/artifex-go/artifex/nn"
	"github.com/artifex-go/artifex/train"
)

// humanBytes writes a byte count with a binary unit.
func humanBytes(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	return fmt.Sprintf("%.3g %s", b, units[i])
}

func configCommand(reg *factory.Registry) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check model configuration files",
	}
	var dataDir string
	validate := &cobra.Command{
		Use:   "validate FILE",
		Short: "Check a configuration: syntax, fields, the family's classes and parameters, training defaults",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Load(args[0])
			if err != nil {
				return err
			}
			// Both checks run so that one pass reports every problem.
			settings, serr := train.SettingsFromConfig(cfg)
			if err := errors.Join(reg.Validate(cfg), serr); err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			// Building is the exact count: every size the configuration
			// implies is allocated, each tensor bounded by
			// tensor.MaxElements, so what cannot fit is refused here.
			base := liveHeap()
			m, err := reg.CreateModel(cfg, nn.NewRngs(0))
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			n := nn.CountParameters(m)
			fmt.Fprintf(cmd.OutOrStdout(), "%s: valid (%s, family %s): %d parameters, %s\n",
				args[0], cfg.ModelClass, reg.DetectModelType(cfg.ModelClass), n, humanBytes(4*float64(n)))
			// So is one training step for the memory it needs, at a batch
			// of one and three examples, scaled to the configured batch.
			est, err := estimateMemory(m, base, cfg, settings)
			est.Data, est.DataErr = estimateData(settings.Dataset, dataDir)
			est.GCFactor = gcFactor(est.held())
			if err != nil {
				fmt.Fprintf(cmd.OutOrStdout(), "note: training memory not estimated: %v\n", err)
			} else {
				report, err := checkFits(est, float64(sysmem.Total()))
				if err != nil {
					return fmt.Errorf("%s: %w", args[0], err)
				}
				fmt.Fprintln(cmd.OutOrStdout(), report)
			}
			if nt, ok := m.(models.Noter); ok {
				for _, note := range nt.Notes() {
					fmt.Fprintf(cmd.OutOrStdout(), "note: %s\n", note)
				}
			}
			return nil
		},
	}
	show := &cobra.Command{
		Use:   "show FILE",
		Short: "Print the effective configuration: the file with every default the builder applies",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := config.Load(args[0])
			if err != nil {
				return err
			}
			m, err := reg.CreateModel(cfg, nn.NewRngs(0))
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			body, err := m.Config().Encode(config.YAML)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(body)
			return err
		},
	}
	validate.Flags().StringVar(&dataDir, "data-dir", "", "directory searched first for the data set, whose size the memory estimate counts")
	cmd.AddCommand(validate, show)
	return cmd
}
