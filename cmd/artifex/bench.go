package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/artifex-go/artifex/bench"
	"github.com/artifex-go/artifex/internal/kernels"
)

// minCompareRounds is the fewest alternating rounds a comparison with
// PyTorch runs: with fewer, one loaded round decides the median.
const minCompareRounds = 3

func benchCommand() *cobra.Command {
	var asJSON, compare bool
	var reference, twinsDir, python string
	var threads, rounds int
	cmd := &cobra.Command{
		Use:   "bench WORKLOAD...",
		Short: "Time a workload (" + strings.Join(bench.Names(), ", ") + ") and optionally compare with PyTorch",
		Long: `Runs the named workloads: the median time of repeated steps after a
warm-up, in each of --rounds rounds, and reports the median over the rounds.

With --compare, each round runs the Go workload and then its PyTorch twin
(bench/torch_*.py, folder --twins), tuned as a careful user would run it:
glibc malloc keeps freed buffers (MALLOC_MMAP_THRESHOLD_,
MALLOC_TRIM_THRESHOLD_), OpenBLAS's kernel pins OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE are dropped, and the twin runs once with OpenBLAS threaded
and once with OPENBLAS_NUM_THREADS=1, the faster kept. At --threads 1 both
sides run one thread (OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 and
torch.set_num_threads(1)). The table gives each side's median, the ratio
Go/PyTorch (time; GFLOP/s for gemm), Go's peak heap and resident set, and
PyTorch's peak resident set above its resident set right after import torch.
--torch PATH times gemm, mlp-vae and conv2 with the shared
torch_reference.py instead of bench/torch_engine.py (implies --compare).
See docs/benchmarking.md.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			compare = compare || reference != ""
			scripts, err := benchPlan(args, threads, rounds, compare, twinsDir, reference)
			if err != nil {
				return err
			}
			if threads > 0 {
				kernels.SetThreads(threads)
			}
			n := kernels.Threads()
			progress := cmd.ErrOrStderr()
			var results []bench.Comparison
			for _, name := range args {
				sides := bench.Sides{
					Go: func() (bench.Result, error) { return bench.Run(name) },
					Round: func(i int, r bench.Round) {
						fmt.Fprintf(progress, "%s round %d/%d: %s\n", name, i+1, rounds, roundLine(r))
					},
				}
				if compare {
					sides.Torch = func(blas int) (bench.Result, error) {
						return bench.RunTwin(python, scripts[name], name, bench.TorchEnv(os.Environ(), n, blas))
					}
				}
				c, err := bench.Compare(name, n, rounds, sides)
				if err != nil {
					return err
				}
				if asJSON {
					b, err := json.Marshal(c)
					if err != nil {
						return err
					}
					fmt.Fprintln(cmd.OutOrStdout(), string(b))
				}
				results = append(results, c)
			}
			if !asJSON {
				writeBenchTable(cmd.OutOrStdout(), results)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON line per workload: medians, ratio and every round")
	cmd.Flags().BoolVar(&compare, "compare", false, "alternate each workload with its PyTorch twin and print the ratio")
	cmd.Flags().IntVar(&rounds, "rounds", minCompareRounds, fmt.Sprintf("rounds per workload (at least %d with --compare)", minCompareRounds))
	cmd.Flags().StringVar(&reference, "torch", "", "shared torch_reference.py to time gemm, mlp-vae and conv2 with; implies --compare")
	cmd.Flags().StringVar(&twinsDir, "twins", "bench", "folder of the PyTorch twins (bench/ of the repository)")
	cmd.Flags().StringVar(&python, "python", "/usr/bin/python3", "Python interpreter that has torch (with --compare)")
	cmd.Flags().IntVar(&threads, "threads", 0, "threads of both sides (default: ARTIFEX_THREADS or all cores)")
	return cmd
}

// benchPlan checks the command line before anything runs and returns the
// PyTorch twin of each workload when comparing.
func benchPlan(names []string, threads, rounds int, compare bool, twinsDir, reference string) (map[string]string, error) {
	if threads < 0 {
		return nil, fmt.Errorf("--threads %d: want 0 (all cores) or more", threads)
	}
	if rounds < 1 || (compare && rounds < minCompareRounds) {
		return nil, fmt.Errorf("--rounds %d: want at least 1, and at least %d with --compare", rounds, minCompareRounds)
	}
	scripts := map[string]string{}
	for _, name := range names {
		if _, ok := bench.Lookup(name); !ok {
			return nil, fmt.Errorf("unknown workload %q (available: %s)", name, strings.Join(bench.Names(), ", "))
		}
		if !compare {
			continue
		}
		script, err := bench.TwinScript(twinsDir, reference, name)
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(script); err != nil {
			return nil, fmt.Errorf("PyTorch twin of %s: %v (run from the repository root or set --twins)", name, err)
		}
		scripts[name] = script
	}
	return scripts, nil
}

// speed formats a result's speed: GFLOP/s where counted, else time.
func speed(r bench.Result) string {
	if r.GFLOPS > 0 {
		return fmt.Sprintf("%.1f GFLOP/s", r.GFLOPS)
	}
	return fmt.Sprintf("%.3f ms", r.MsPerStep)
}

// roundLine describes one round for the progress lines.
func roundLine(r bench.Round) string {
	s := "go " + speed(r.Go)
	if r.PyTorch == nil {
		return s
	}
	tried := make([]string, len(r.Tried))
	for i, t := range r.Tried {
		tried[i] = fmt.Sprintf("%d: %s", t.BLASThreads, speed(t))
	}
	return fmt.Sprintf("%s, pytorch %s (OpenBLAS threads %s)", s, speed(*r.PyTorch), strings.Join(tried, ", "))
}

// writeBenchTable prints one row per workload: the medians, the ratio and
// both sides' peak memory.
func writeBenchTable(w io.Writer, cs []bench.Comparison) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "workload\tthreads\trounds\tgo\tpytorch\tgo/pytorch\tgo peak heap\tgo peak RSS - start\tpytorch peak RSS - import")
	for _, c := range cs {
		torch, ratio, torchMem := "-", "-", "-"
		if p := c.PyTorch; p != nil {
			torch = speed(*p)
			ratio = fmt.Sprintf("%.2f (%s)", c.Ratio, c.RatioOf)
			if p.PeakRSSMB > 0 {
				torchMem = fmt.Sprintf("%.1f MB (%.1f - %.1f)", p.PeakRSSMB-p.ImportRSSMB, p.PeakRSSMB, p.ImportRSSMB)
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%.1f MB\t%.1f MB (%.1f - %.1f)\t%s\n", c.Workload, c.Threads, len(c.Rounds),
			speed(c.Go), torch, ratio, c.Go.PeakHeapMB, c.Go.PeakRSSMB-c.Go.StartRSSMB, c.Go.PeakRSSMB, c.Go.StartRSSMB, torchMem)
	}
	tw.Flush()
}
