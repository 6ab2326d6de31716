// Command artifex trains, samples, evaluates and benchmarks the generative
// models of Artifex-Go.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	root := &cobra.Command{
		Use:           "artifex",
		Short:         "Generative models in pure Go: train, sample, evaluate, benchmark",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(benchCommand())
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "artifex:", err)
		os.Exit(1)
	}
}
