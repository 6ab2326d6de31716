"""Timing shared by the PyTorch twins of the Go bench workloads.

Each twin builds its model and a step function, then calls report(): the
step runs a few times to warm up (allocator, thread pool, lazy init), then
is timed RUNS times, and one JSON line {"workload", "ms_per_step",
"threads"} is printed, the median in milliseconds, which bench/*.go reads.
"""
import json
import statistics
import time

import torch


def median_seconds(step, warmup=3, runs=20):
    """Median wall time of step() over runs calls, after warmup calls."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def print_result(workload, seconds):
    """Prints the line bench/*.go parses."""
    print(json.dumps({"workload": workload, "ms_per_step": seconds * 1e3,
                      "threads": torch.get_num_threads()}))


def report(workload, step, warmup=3, runs=20):
    """Times step and prints the result line."""
    print_result(workload, median_seconds(step, warmup, runs))
