package bench

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// twinSettings are the environment variables TorchEnv sets; any value the
// caller's environment has for them is dropped, as are OpenBLAS's kernel
// pins (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE), so OpenBLAS picks the kernels
// of the CPU it runs on (the twins check a float32 product against float64).
var twinSettings = []string{
	"OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
	"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_",
	"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "ARTIFEX_BENCH_THREADS", "TORCH_REFERENCE_CHILD",
}

// TorchEnv returns the environment a PyTorch twin runs in, built from base
// (os.Environ()): glibc malloc keeps freed buffers instead of unmapping them
// (otherwise the page faults that follow cost PyTorch 3–4×), OpenMP and
// PyTorch run threads threads (torch_timing.py reads
// ARTIFEX_BENCH_THREADS), and OpenBLAS runs blasThreads of its own.
// TORCH_REFERENCE_CHILD=1 makes the shared torch_reference.py take this
// environment as it is instead of choosing its own.
func TorchEnv(base []string, threads, blasThreads int) []string {
	env := make([]string, 0, len(base)+7)
	for _, kv := range base {
		if k, _, _ := strings.Cut(kv, "="); !slices.Contains(twinSettings, k) {
			env = append(env, kv)
		}
	}
	return append(env,
		"MALLOC_MMAP_THRESHOLD_=1000000000",
		"MALLOC_TRIM_THRESHOLD_=100000000000",
		"OMP_NUM_THREADS="+strconv.Itoa(threads),
		"OPENBLAS_NUM_THREADS="+strconv.Itoa(blasThreads),
		"ARTIFEX_BENCH_THREADS="+strconv.Itoa(threads),
		"TORCH_REFERENCE_CHILD=1",
	)
}

// BLASChoices lists the OpenBLAS thread counts a twin is timed with at
// threads threads: OpenBLAS's pool beside PyTorch's OpenMP pool can be
// faster or much slower (the two fight over the cores) than OpenBLAS on one
// thread, depending on the workload, so both are tried and the faster kept.
// At one thread OpenBLAS runs one thread too.
func BLASChoices(threads int) []int {
	if threads <= 1 {
		return []int{1}
	}
	return []int{threads, 1}
}

// TwinScript returns the PyTorch twin of the workload called name: its twin
// in dir (the repository's bench/ folder), or reference (the shared
// torch_reference.py) instead for gemm, mlp-vae and conv2 when it is given.
func TwinScript(dir, reference, name string) (string, error) {
	if _, ok := workloads[name]; !ok {
		return "", fmt.Errorf("bench: unknown workload %q (available: %v)", name, Names())
	}
	if reference != "" && twins[name] == engineTwin {
		return reference, nil
	}
	return filepath.Join(dir, twins[name]), nil
}

// RunTwin runs a PyTorch twin, python script name, in env and reads the
// last JSON line it prints.
func RunTwin(python, script, name string, env []string) (Result, error) {
	var stdout, stderr bytes.Buffer
	c := exec.Command(python, script, name)
	c.Env = env
	c.Stdout, c.Stderr = &stdout, &stderr
	if err := c.Run(); err != nil {
		return Result{}, fmt.Errorf("bench: running %s %s %s: %v: %s", python, script, name, err, strings.TrimSpace(stderr.String()))
	}
	var last string
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "{") {
			last = line
		}
	}
	var r Result
	if err := json.Unmarshal([]byte(last), &r); err != nil {
		return Result{}, fmt.Errorf("bench: reading the output of %s %s: %q: %v", script, name, last, err)
	}
	return r, nil
}

// Round is one round of a comparison: the Go run, then one twin run per
// OpenBLAS thread count (Tried), of which PyTorch is the faster.
type Round struct {
	Go      Result   `json:"go"`
	PyTorch *Result  `json:"pytorch,omitempty"`
	Tried   []Result `json:"pytorch_tried,omitempty"`
}

// Comparison is one workload measured over rounds. Go and PyTorch hold each
// side's median time (and GFLOP/s) over the rounds, and the memory of its
// round with the largest peak resident set. Ratio is Go/PyTorch in time, or
// in GFLOP/s where the workload counts them (RatioOf says which).
type Comparison struct {
	Workload string  `json:"workload"`
	Threads  int     `json:"threads"`
	Go       Result  `json:"go"`
	PyTorch  *Result `json:"pytorch,omitempty"`
	Ratio    float64 `json:"ratio,omitempty"`
	RatioOf  string  `json:"ratio_of,omitempty"`
	Rounds   []Round `json:"rounds"`
}

// Sides are the two halves of a comparison. Go measures the Go workload
// once; Torch runs its twin once with blasThreads OpenBLAS threads, or is
// nil to time Go alone. Round, when set, is told of each finished round.
type Sides struct {
	Go    func() (Result, error)
	Torch func(blasThreads int) (Result, error)
	Round func(i int, r Round)
}

// Compare measures the workload called name in rounds rounds at threads
// threads, alternating the sides: each round runs Go, then the twin with
// each of BLASChoices(threads), so load that comes and goes falls on both.
func Compare(name string, threads, rounds int, s Sides) (Comparison, error) {
	if rounds < 1 {
		return Comparison{}, fmt.Errorf("bench: %d rounds of %s; need at least 1", rounds, name)
	}
	c := Comparison{Workload: name, Threads: threads}
	for i := range rounds {
		var r Round
		var err error
		if r.Go, err = s.Go(); err != nil {
			return c, err
		}
		if s.Torch != nil {
			for _, blas := range BLASChoices(threads) {
				t, err := s.Torch(blas)
				if err != nil {
					return c, err
				}
				if t.Workload != name || t.Threads != threads {
					return c, fmt.Errorf("bench: the PyTorch twin of %s at %d threads reported workload %q at %d threads", name, threads, t.Workload, t.Threads)
				}
				t.BLASThreads = blas
				r.Tried = append(r.Tried, t)
				if r.PyTorch == nil || t.MsPerStep < r.PyTorch.MsPerStep {
					r.PyTorch = &r.Tried[len(r.Tried)-1]
				}
			}
		}
		c.Rounds = append(c.Rounds, r)
		if s.Round != nil {
			s.Round(i, r)
		}
	}
	var goRuns, torchRuns []Result
	for _, r := range c.Rounds {
		goRuns = append(goRuns, r.Go)
		if r.PyTorch != nil {
			torchRuns = append(torchRuns, *r.PyTorch)
		}
	}
	c.Go = summarize(goRuns)
	if len(torchRuns) > 0 {
		t := summarize(torchRuns)
		c.PyTorch = &t
		c.Ratio, c.RatioOf = c.Go.MsPerStep/t.MsPerStep, "time"
		if c.Go.GFLOPS > 0 && t.GFLOPS > 0 {
			c.Ratio, c.RatioOf = c.Go.GFLOPS/t.GFLOPS, "gflops"
		}
	}
	return c, nil
}

// summarize returns the run with the largest peak resident set, its time
// and GFLOP/s replaced by the medians over runs.
func summarize(runs []Result) Result {
	s := slices.MaxFunc(runs, func(a, b Result) int { return cmp.Compare(a.PeakRSSMB, b.PeakRSSMB) })
	ms, gf := make([]float64, len(runs)), make([]float64, len(runs))
	for i, r := range runs {
		ms[i], gf[i] = r.MsPerStep, r.GFLOPS
	}
	s.MsPerStep, s.GFLOPS = MedianOf(ms), MedianOf(gf)
	return s
}

// MedianOf returns the median of xs (the mean of the middle two for an even
// count), or 0 for none. xs is not changed.
func MedianOf(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
