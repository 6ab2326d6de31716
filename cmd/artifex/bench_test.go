package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/artifex-go/artifex/bench"
	"github.com/artifex-go/artifex/internal/kernels"
)

// runBench runs `artifex bench args...` and returns standard output,
// standard error and the error.
func runBench(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	prev := kernels.Threads()
	t.Cleanup(func() { kernels.SetThreads(prev) })
	var out, errOut bytes.Buffer
	cmd := benchCommand()
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SilenceUsage = true
	err := cmd.Execute()
	return out.String(), errOut.String(), err
}

func TestBenchRejectsBadArgumentsBeforeRunning(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"nope"}, `unknown workload "nope"`},
		{[]string{"gemm", "--compare", "--rounds", "2"}, "--rounds 2"},
		{[]string{"gemm", "--torch", "ref.py", "--rounds", "1"}, "--rounds 1"},
		{[]string{"gemm", "--rounds", "0"}, "--rounds 0"},
		{[]string{"gemm", "--threads", "-1"}, "--threads -1"},
		{[]string{"gemm", "dcgan", "--compare", "--twins", "no/such/folder"}, "PyTorch twin of gemm"},
		{[]string{"dcgan", "gemm", "--torch", "no/such/torch_reference.py", "--twins", "../../bench"}, "PyTorch twin of gemm"},
	} {
		_, _, err := runBench(t, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("bench %q: err %v, want one containing %q", c.args, err, c.want)
		}
	}
}

// The whole command against a stand-in twin, so that it needs no Python:
// /bin/sh runs a fake torch_engine.py that logs the environment it was
// given and reports a fixed 2.1 GFLOP/s and 50 MB above its import.
func TestBenchCompareRunsTheTwinTunedAndAlternating(t *testing.T) {
	if testing.Short() {
		t.Skip("times gemm for 3 rounds")
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "env.log")
	twin := `echo "$OPENBLAS_NUM_THREADS $OMP_NUM_THREADS $ARTIFEX_BENCH_THREADS $MALLOC_MMAP_THRESHOLD_ $MALLOC_TRIM_THRESHOLD_ coretype=$OPENBLAS_CORETYPE" >> ` + log + `
echo "{\"workload\": \"$1\", \"ms_per_step\": 1000, \"gflops\": 2.147483648, \"threads\": $ARTIFEX_BENCH_THREADS, \"peak_rss_mb\": 300, \"import_rss_mb\": 250}"
`
	if err := os.WriteFile(filepath.Join(dir, "torch_engine.py"), []byte(twin), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("OPENBLAS_CORETYPE", "Haswell")
	out, progress, err := runBench(t, "gemm", "--compare", "--threads", "1", "--python", "/bin/sh", "--twins", dir, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var c bench.Comparison
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("--json printed %q: %v", out, err)
	}
	if c.Workload != "gemm" || c.Threads != 1 || len(c.Rounds) != 3 || c.PyTorch == nil || c.RatioOf != "gflops" ||
		c.Ratio != c.Go.GFLOPS/2.147483648 || c.Go.GFLOPS <= 0 || c.PyTorch.PeakRSSMB-c.PyTorch.ImportRSSMB != 50 {
		t.Errorf("comparison %+v", c)
	}
	logged, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	line := "1 1 1 1000000000 100000000000 coretype=\n"
	if got := string(logged); got != strings.Repeat(line, 3) {
		t.Errorf("the twin ran with\n%s; want three times %q", got, line)
	}
	if n := strings.Count(progress, "gemm round "); n != 3 {
		t.Errorf("progress %q: want 3 round lines", progress)
	}

	table, _, err := runBench(t, "gemm", "--torch", filepath.Join(dir, "torch_engine.py"), "--python", "/bin/sh", "--threads", "1", "--rounds", "3")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "gemm ") || !strings.Contains(lines[1], "2.1 GFLOP/s") ||
		!strings.Contains(lines[1], "(gflops)") || !strings.Contains(lines[1], "50.0 MB (300.0 - 250.0)") {
		t.Errorf("table:\n%s", table)
	}
}
