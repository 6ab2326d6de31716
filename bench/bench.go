// Package bench runs the speed workloads that are compared against their
// PyTorch twins (bench/torch_*.py): the same shapes, the same optimizer, and
// the median time of repeated steps after a warm-up. Compare alternates the
// two sides over rounds, with PyTorch tuned as docs/benchmarking.md says.
package bench

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/artifex-go/artifex/internal/kernels"
	"github.com/artifex-go/artifex/tensor"
)

// Result is one workload's measurement. Its JSON keys are those the PyTorch
// twins print (bench/torch_timing.py, ../shared/bench/torch_reference.py).
type Result struct {
	Workload  string  `json:"workload"`
	MsPerStep float64 `json:"ms_per_step"`
	GFLOPS    float64 `json:"gflops,omitempty"`
	Threads   int     `json:"threads"`
	// PeakHeapMB is the largest live Go heap seen (sampled every
	// millisecond) during the timed steps; PeakRSSMB the process's
	// resident-set high-water mark over them (Linux; 0 elsewhere).
	PeakHeapMB float64 `json:"peak_heap_mb,omitempty"`
	PeakRSSMB  float64 `json:"peak_rss_mb,omitempty"`
	// ImportRSSMB is a PyTorch twin's resident set right after `import
	// torch`, the baseline its peak is read against, and BLASThreads the
	// OpenBLAS threads it ran with; both are 0 for Go.
	ImportRSSMB float64 `json:"import_rss_mb,omitempty"`
	BLASThreads int     `json:"blas_threads,omitempty"`
	// StartRSSMB is Go's counterpart of ImportRSSMB: the process's
	// resident set when it started (its binary and runtime), before any
	// workload was built; 0 for PyTorch.
	StartRSSMB float64 `json:"start_rss_mb,omitempty"`
}

// Workload is a named benchmark: setup builds the state and returns the step
// to time; flops, when non-zero, is the work of one step.
type Workload struct {
	Name        string
	Description string
	Warmup      int
	Reps        int
	Setup       func() (step func(), flops float64)
}

// workloads lists every benchmark in one place.
var workloads = map[string]Workload{
	"gemm":        gemmWorkload(),
	"mlp-vae":     mlpVAEWorkload(),
	"conv2":       conv2Workload(),
	"dcgan":       dcganWorkload(),
	"realnvp":     realNVPWorkload(),
	"ddpm-unet":   ddpmUNetWorkload(),
	"ddim-sample": ddimSampleWorkload(),
	"egnn":        egnnWorkload(),
	"pixelcnn":    pixelCNNWorkload(),
	"transformer": transformerWorkload(),
}

// engineTwin is the twin of gemm, mlp-vae and conv2, which the shared
// torch_reference.py can stand in for.
const engineTwin = "torch_engine.py"

// twins names the PyTorch twin script (in this package's folder, bench/) of
// each workload; a twin takes the workload's name as its argument and prints
// one line of Result's JSON keys (torch_timing.py).
var twins = map[string]string{
	"gemm":        engineTwin,
	"mlp-vae":     engineTwin,
	"conv2":       engineTwin,
	"dcgan":       "torch_dcgan.py",
	"realnvp":     "torch_realnvp.py",
	"ddpm-unet":   "torch_diffusion.py",
	"ddim-sample": "torch_diffusion.py",
	"egnn":        "torch_egnn.py",
	"pixelcnn":    "torch_pixelcnn.py",
	"transformer": "torch_transformer.py",
}

// Names lists the workloads, sorted.
func Names() []string {
	names := make([]string, 0, len(workloads))
	for n := range workloads {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the workload called name.
func Lookup(name string) (Workload, bool) {
	w, ok := workloads[name]
	return w, ok
}

// Run measures the named workload.
func Run(name string) (Result, error) {
	w, ok := workloads[name]
	if !ok {
		return Result{}, fmt.Errorf("bench: unknown workload %q (available: %v)", name, Names())
	}
	step, flops := w.Setup()
	for range w.Warmup {
		step()
	}
	var dt time.Duration
	heap, rss := peakMemory(func() { dt = Median(step, 0, w.Reps) })
	r := Result{Workload: name, MsPerStep: dt.Seconds() * 1e3, Threads: kernels.Threads(), PeakHeapMB: heap / 1e6, PeakRSSMB: rss / 1e6, StartRSSMB: startRSS / 1e6}
	if flops > 0 {
		r.GFLOPS = flops / dt.Seconds() / 1e9
	}
	return r, nil
}

// Median runs step warmup times untimed, then reps times, and returns the
// median duration.
func Median(step func(), warmup, reps int) time.Duration {
	for range warmup {
		step()
	}
	times := make([]time.Duration, reps)
	for i := range times {
		t := time.Now()
		step()
		times[i] = time.Since(t)
	}
	slices.Sort(times)
	return times[len(times)/2]
}

// arenaStep runs each call of step in one tensor.Arena, as the trainer
// does, keeping what keep reaches (the model and its optimizer). A loss
// step (forward, Backward, optimizer) recycles its forward results during
// Backward, as the trainer's loss steps do.
func arenaStep(loss bool, step func(), keep ...any) func() {
	a := tensor.NewArena()
	if a != nil {
		a.RecycleForward = loss
	}
	return func() { a.Step(step, keep...) }
}
