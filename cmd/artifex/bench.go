package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/artifex-go/artifex/bench"
	"github.com/artifex-go/artifex/internal/kernels"
)

func benchCommand() *cobra.Command {
	var asJSON bool
	var torchScript, twinsDir, python string
	var compare bool
	var threads int
	cmd := &cobra.Command{
		Use:   "bench WORKLOAD...",
		Short: "Time a workload (" + strings.Join(bench.Names(), ", ") + ") and optionally compare with PyTorch",
		Long: `Runs the named workloads with the same shapes, optimizer and timing rule
(median of repeated steps after warm-up) as the PyTorch reference script.
With --compare the PyTorch version of each workload runs right after it, on
the same machine, and the ratio Go/PyTorch is printed (ms/step; for gemm the
GFLOP/s ratio). gemm, mlp-vae and conv2 are timed by the shared reference
script named with --torch (which implies --compare); the other workloads by
their twins in the repository's bench/ folder (--twins).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if threads > 0 {
				kernels.SetThreads(threads)
			}
			for _, name := range args {
				if _, ok := bench.Lookup(name); !ok {
					return fmt.Errorf("unknown workload %q (available: %s)", name, strings.Join(bench.Names(), ", "))
				}
			}
			out := cmd.OutOrStdout()
			for _, name := range args {
				r, err := bench.Run(name)
				if err != nil {
					return err
				}
				if asJSON {
					b, _ := json.Marshal(r)
					fmt.Fprintln(out, string(b))
				} else {
					fmt.Fprintf(out, "%-8s %9.3f ms/step", r.Workload, r.MsPerStep)
					if r.GFLOPS > 0 {
						fmt.Fprintf(out, "  %7.1f GFLOP/s", r.GFLOPS)
					}
					fmt.Fprintf(out, "  peak heap %.1f MB, peak RSS %.1f MB  (%d threads)\n", r.PeakHeapMB, r.PeakRSSMB, r.Threads)
				}
				if !compare && torchScript == "" {
					continue
				}
				script := torchScript
				if twin := bench.Twin(name); twin != "" {
					script = filepath.Join(twinsDir, twin)
				} else if script == "" {
					return fmt.Errorf("%s is timed by the shared PyTorch reference script: pass --torch PATH (../shared/bench/torch_reference.py)", name)
				}
				ref, err := runTorchReference(python, script, name)
				if err != nil {
					return err
				}
				if asJSON {
					b, _ := json.Marshal(ref)
					fmt.Fprintln(out, string(b))
				}
				fmt.Fprintf(out, "%-8s pytorch %9.3f ms/step", name, ref.MsPerStep)
				if ref.GFLOPS > 0 {
					fmt.Fprintf(out, "  %7.1f GFLOP/s  go/pytorch GFLOP/s = %.2f\n", ref.GFLOPS, r.GFLOPS/ref.GFLOPS)
				} else {
					fmt.Fprintf(out, "  go/pytorch time = %.2f\n", r.MsPerStep/ref.MsPerStep)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON line per workload, with the reference script's keys")
	cmd.Flags().BoolVar(&compare, "compare", false, "run the PyTorch version of each workload after it and print the ratio")
	cmd.Flags().StringVar(&torchScript, "torch", "", "path of the shared torch_reference.py (gemm, mlp-vae, conv2); implies --compare")
	cmd.Flags().StringVar(&twinsDir, "twins", "bench", "folder of the PyTorch twins of the other workloads")
	cmd.Flags().StringVar(&python, "python", "/usr/bin/python3", "Python interpreter that has torch (with --torch)")
	cmd.Flags().IntVar(&threads, "threads", 0, "kernel threads (default: ARTIFEX_THREADS or all cores)")
	return cmd
}

// runTorchReference runs the PyTorch script for one workload and parses its
// last JSON line.
func runTorchReference(python, script, name string) (bench.Result, error) {
	var stdout, stderr bytes.Buffer
	c := exec.Command(python, script, name)
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		return bench.Result{}, fmt.Errorf("running %s %s %s: %v: %s", python, script, name, err, strings.TrimSpace(stderr.String()))
	}
	var last string
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "{") {
			last = line
		}
	}
	var r bench.Result
	if err := json.Unmarshal([]byte(last), &r); err != nil {
		return r, fmt.Errorf("reading %s output %q: %v", script, last, err)
	}
	return r, nil
}
