package bench

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// envMap reads a KEY=VALUE list, failing on a key set twice (which value a
// child process sees would then depend on its libc).
func envMap(t *testing.T, env []string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := m[k]; dup {
			t.Errorf("%s is set twice in %q", k, env)
		}
		m[k] = v
	}
	return m
}

func TestTorchEnvTunesPyTorchAndDropsThePins(t *testing.T) {
	base := []string{
		"PATH=/usr/bin", "HOME=/home/u", "OPENBLAS_CORETYPE=Haswell", "OPENBLAS_L2_SIZE=1048576",
		"OPENBLAS_NUM_THREADS=8", "OMP_NUM_THREADS=8", "MALLOC_TRIM_THRESHOLD_=0", "ARTIFEX_BENCH_THREADS=5",
	}
	for _, c := range []struct{ threads, blas int }{{2, 2}, {2, 1}, {1, 1}, {4, 4}} {
		got := envMap(t, TorchEnv(base, c.threads, c.blas))
		want := map[string]string{
			"PATH": "/usr/bin", "HOME": "/home/u",
			"MALLOC_MMAP_THRESHOLD_": "1000000000", "MALLOC_TRIM_THRESHOLD_": "100000000000",
			"OMP_NUM_THREADS": fmt.Sprint(c.threads), "OPENBLAS_NUM_THREADS": fmt.Sprint(c.blas),
			"ARTIFEX_BENCH_THREADS": fmt.Sprint(c.threads), "TORCH_REFERENCE_CHILD": "1",
		}
		if len(got) != len(want) {
			t.Errorf("TorchEnv(threads %d, blas %d) = %v; want exactly %v", c.threads, c.blas, got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("TorchEnv(threads %d, blas %d): %s=%q, want %q", c.threads, c.blas, k, got[k], v)
			}
		}
	}
	if base[2] != "OPENBLAS_CORETYPE=Haswell" {
		t.Errorf("TorchEnv changed its base: %q", base)
	}
}

func TestBLASChoicesTryThreadedAndOneThreadOnlyAboveOneThread(t *testing.T) {
	for threads, want := range map[int][]int{1: {1}, 2: {2, 1}, 8: {8, 1}} {
		if got := BLASChoices(threads); !slices.Equal(got, want) {
			t.Errorf("BLASChoices(%d) = %v, want %v", threads, got, want)
		}
	}
}

func TestMedianOf(t *testing.T) {
	xs := []float64{5, 1, 4}
	for _, c := range []struct {
		xs   []float64
		want float64
	}{{nil, 0}, {[]float64{7}, 7}, {xs, 4}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := MedianOf(c.xs); got != c.want {
			t.Errorf("MedianOf(%v) = %v, want %v", c.xs, got, c.want)
		}
	}
	if !slices.Equal(xs, []float64{5, 1, 4}) {
		t.Errorf("MedianOf sorted its argument: %v", xs)
	}
}

// fakeSides records the order in which Compare calls the two sides and
// answers with the given times: goMs[i] in round i, torchMs[i][blas].
func fakeSides(name string, threads int, goMs []float64, torchMs []map[int]float64, log *[]string) Sides {
	round := 0
	return Sides{
		Go: func() (Result, error) {
			*log = append(*log, "go")
			return Result{Workload: name, Threads: threads, MsPerStep: goMs[round], PeakRSSMB: 10 * goMs[round]}, nil
		},
		Torch: func(blas int) (Result, error) {
			*log = append(*log, fmt.Sprintf("torch %d", blas))
			ms := torchMs[round][blas]
			return Result{Workload: name, Threads: threads, MsPerStep: ms, PeakRSSMB: 300 + ms, ImportRSSMB: 250}, nil
		},
		Round: func(i int, r Round) { round = i + 1 },
	}
}

func TestCompareAlternatesSidesAndKeepsTheFasterBLAS(t *testing.T) {
	var log []string
	torch := []map[int]float64{{2: 9, 1: 3}, {2: 2, 1: 4}, {2: 8, 1: 5}}
	c, err := Compare("mlp-vae", 2, 3, fakeSides("mlp-vae", 2, []float64{3, 6, 4}, torch, &log))
	if err != nil {
		t.Fatal(err)
	}
	wantLog := []string{"go", "torch 2", "torch 1", "go", "torch 2", "torch 1", "go", "torch 2", "torch 1"}
	if !slices.Equal(log, wantLog) {
		t.Errorf("call order %v, want %v", log, wantLog)
	}
	for i, want := range []struct {
		ms   float64
		blas int
	}{{3, 1}, {2, 2}, {5, 1}} {
		r := c.Rounds[i]
		if r.PyTorch == nil || r.PyTorch.MsPerStep != want.ms || r.PyTorch.BLASThreads != want.blas || len(r.Tried) != 2 {
			t.Errorf("round %d kept %+v of %+v; want %v ms at OpenBLAS %d", i, r.PyTorch, r.Tried, want.ms, want.blas)
		}
	}
	// Medians: Go {3, 6, 4} → 4, PyTorch {3, 2, 5} → 3.
	if c.Go.MsPerStep != 4 || c.PyTorch.MsPerStep != 3 || c.Ratio != 4.0/3 || c.RatioOf != "time" {
		t.Errorf("medians go %v, pytorch %v, ratio %v (%s); want 4, 3, 4/3 (time)", c.Go.MsPerStep, c.PyTorch.MsPerStep, c.Ratio, c.RatioOf)
	}
	// Memory comes from each side's round with the largest peak: Go's
	// round 2 (60 MB), PyTorch's round 3 (305 MB, import 250 MB).
	if c.Go.PeakRSSMB != 60 || c.PyTorch.PeakRSSMB != 305 || c.PyTorch.ImportRSSMB != 250 {
		t.Errorf("peaks go %v, pytorch %v (import %v); want 60, 305 (250)", c.Go.PeakRSSMB, c.PyTorch.PeakRSSMB, c.PyTorch.ImportRSSMB)
	}
}

func TestCompareAtOneThreadRunsOneBLASSetting(t *testing.T) {
	var log []string
	torch := []map[int]float64{{1: 3}, {1: 4}, {1: 5}}
	if _, err := Compare("conv2", 1, 3, fakeSides("conv2", 1, []float64{3, 6, 4}, torch, &log)); err != nil {
		t.Fatal(err)
	}
	if want := []string{"go", "torch 1", "go", "torch 1", "go", "torch 1"}; !slices.Equal(log, want) {
		t.Errorf("call order %v, want %v", log, want)
	}
}

func TestCompareGEMMRatioIsOfGFLOPS(t *testing.T) {
	gf := map[int]float64{2: 300, 1: 200}
	s := Sides{
		Go: func() (Result, error) { return Result{Workload: "gemm", Threads: 2, MsPerStep: 8, GFLOPS: 270}, nil },
		Torch: func(blas int) (Result, error) {
			return Result{Workload: "gemm", Threads: 2, MsPerStep: 600 / gf[blas], GFLOPS: gf[blas]}, nil
		},
	}
	c, err := Compare("gemm", 2, 3, s)
	if err != nil {
		t.Fatal(err)
	}
	if c.RatioOf != "gflops" || c.Ratio != 0.9 || c.PyTorch.BLASThreads != 2 {
		t.Errorf("ratio %v (%s) against OpenBLAS %d; want 0.9 (gflops) against 2", c.Ratio, c.RatioOf, c.PyTorch.BLASThreads)
	}
}

func TestCompareGoAloneHasNoPyTorchSide(t *testing.T) {
	ms := []float64{5, 3, 4, 9}
	i := 0
	c, err := Compare("egnn", 2, 4, Sides{Go: func() (Result, error) {
		i++
		return Result{Workload: "egnn", Threads: 2, MsPerStep: ms[i-1]}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Rounds) != 4 || c.PyTorch != nil || c.Ratio != 0 || c.Go.MsPerStep != 4.5 {
		t.Errorf("Go-only comparison %+v; want 4 rounds, no PyTorch side, median 4.5", c)
	}
}

func TestCompareRejectsATwinThatRanSomethingElse(t *testing.T) {
	goSide := func() (Result, error) { return Result{Workload: "dcgan", Threads: 1, MsPerStep: 1}, nil }
	for _, r := range []Result{{Workload: "dcgan", Threads: 2, MsPerStep: 1}, {Workload: "gemm", Threads: 1, MsPerStep: 1}} {
		_, err := Compare("dcgan", 1, 3, Sides{Go: goSide, Torch: func(int) (Result, error) { return r, nil }})
		if err == nil || !strings.Contains(err.Error(), "reported workload") {
			t.Errorf("twin answering %+v for dcgan at 1 thread: err %v", r, err)
		}
	}
}

func TestCompareReturnsEitherSidesError(t *testing.T) {
	boom := errors.New("boom")
	ok := func() (Result, error) { return Result{Workload: "gemm", Threads: 2, MsPerStep: 1}, nil }
	for _, s := range []Sides{
		{Go: func() (Result, error) { return Result{}, boom }},
		{Go: ok, Torch: func(int) (Result, error) { return Result{}, boom }},
	} {
		if _, err := Compare("gemm", 2, 3, s); !errors.Is(err, boom) {
			t.Errorf("err %v, want boom", err)
		}
	}
	if _, err := Compare("gemm", 2, 0, Sides{Go: ok}); err == nil {
		t.Error("Compare with 0 rounds: no error")
	}
}

func TestEveryWorkloadHasATwinInThisFolder(t *testing.T) {
	for _, name := range Names() {
		script, err := TwinScript(".", "", name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(script); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		ref, _ := TwinScript(".", "/ref/torch_reference.py", name)
		if engine := name == "gemm" || name == "mlp-vae" || name == "conv2"; engine != (ref == "/ref/torch_reference.py") {
			t.Errorf("TwinScript(%s) with the shared reference = %s", name, ref)
		}
	}
	if _, err := TwinScript(".", "", "nope"); err == nil {
		t.Error("TwinScript of an unknown workload: no error")
	}
}

// RunTwin is tested with /bin/sh standing in for Python: the fake twin
// prints noise, then the result line, from its argument and environment.
func TestRunTwinReadsTheLastJSONLineInItsEnvironment(t *testing.T) {
	dir := t.TempDir()
	twin := filepath.Join(dir, "twin.sh")
	src := "echo 'loading'\necho '{\"workload\": \"stale\"}'\n" +
		"echo \"{\\\"workload\\\": \\\"$1\\\", \\\"ms_per_step\\\": 2.5, \\\"threads\\\": $ARTIFEX_BENCH_THREADS, \\\"peak_rss_mb\\\": 300, \\\"import_rss_mb\\\": 250}\"\n"
	if err := os.WriteFile(twin, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := RunTwin("/bin/sh", twin, "conv2", TorchEnv(nil, 3, 1))
	if err != nil {
		t.Fatal(err)
	}
	if want := (Result{Workload: "conv2", MsPerStep: 2.5, Threads: 3, PeakRSSMB: 300, ImportRSSMB: 250}); r != want {
		t.Errorf("RunTwin = %+v, want %+v", r, want)
	}
	if err := os.WriteFile(twin, []byte("echo 'no torch here' >&2\nexit 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := RunTwin("/bin/sh", twin, "conv2", nil); err == nil || !strings.Contains(err.Error(), "no torch here") {
		t.Errorf("failing twin: err %v, want its stderr", err)
	}
}
