"""Set-up and timing shared by the PyTorch twins of the Go bench workloads.

Importing this module sets PyTorch's thread count from ARTIFEX_BENCH_THREADS
(default 2; `artifex bench --compare` sets it, together with the OpenBLAS,
OpenMP and malloc settings of docs/benchmarking.md), records the resident
set right after `import torch` as the twin's memory baseline, and refuses to
go on if a float32 matrix product disagrees with float64 (the OpenBLAS
kernel pins are dropped for benchmarks, so the kernels it picks are checked).

Each twin builds its model and a step function, then calls report(): the
step runs a few times to warm up (allocator, thread pool, lazy init), then
is timed RUNS times, and one JSON line is printed, which bench/*.go reads:
{"workload", "ms_per_step" (median), "threads", "peak_rss_mb" (resident-set
high-water mark over the timed steps), "import_rss_mb" (the baseline)}.
"""
import json
import os
import statistics
import sys
import time

import torch


def rss_mb(field):
    """The VmRSS or VmHWM line of /proc/self/status in MB, or 0 off Linux."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return 0.0


IMPORT_RSS_MB = rss_mb("VmRSS")
THREADS = int(os.environ.get("ARTIFEX_BENCH_THREADS", "2"))
torch.set_num_threads(THREADS)


def check_blas():
    """Exits if float32 matmul is wrong (a BLAS kernel unfit for this CPU)."""
    g = torch.Generator().manual_seed(1)
    a = torch.randn(256, 300, dtype=torch.float64, generator=g)
    b = torch.randn(300, 200, dtype=torch.float64, generator=g)
    want = a @ b
    err = float(((a.float() @ b.float()).double() - want).abs().max() / want.abs().max())
    if not err < 1e-5:
        sys.exit(f"torch_timing: float32 matmul disagrees with float64 (relative error {err:.2g}); "
                 "check OPENBLAS_CORETYPE")


check_blas()


def reset_peak_rss():
    """Resets the kernel's resident-set high-water mark, where Linux allows."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def median_seconds(step, warmup=3, runs=20):
    """Median wall time of step() over runs calls, after warmup calls; the
    resident-set peak is reset before the timed calls, as the Go side does."""
    for _ in range(warmup):
        step()
    reset_peak_rss()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def print_result(workload, seconds, **extra):
    """Prints the line bench/*.go parses; call it right after median_seconds
    so that the peak is the timed steps'."""
    print(json.dumps({"workload": workload, "ms_per_step": seconds * 1e3,
                      "threads": torch.get_num_threads(),
                      "peak_rss_mb": rss_mb("VmHWM"), "import_rss_mb": IMPORT_RSS_MB,
                      **extra}))


def report(workload, step, warmup=3, runs=20):
    """Times step and prints the result line."""
    print_result(workload, median_seconds(step, warmup, runs))
