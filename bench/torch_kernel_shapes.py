"""PyTorch's side of the Go kernel benchmarks BenchmarkConvShapes and
BenchmarkParallelLeakyReLU (internal/kernels): the same tensors, timed op by
op, medians of 50 runs after 5 warm-up runs, at ARTIFEX_BENCH_THREADS
threads (2 when unset). Run it with the settings of docs/benchmarking.md:

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 \
      MALLOC_MMAP_THRESHOLD_=1000000000 MALLOC_TRIM_THRESHOLD_=100000000000 \
      /usr/bin/python3 bench/torch_kernel_shapes.py

For each convolution it prints the forward pass alone (no gradient) and the
forward pass with both gradients, which the Go benchmark reports as three
directions (forward, adjoint, weight gradient).
"""
import os
import statistics
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(int(os.environ.get("ARTIFEX_BENCH_THREADS", "2")))


def median_ms(f, runs=50, warmup=5):
    for _ in range(warmup):
        f()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def conv(n, c, o, h, k):
    x = torch.randn(n, c, h, h, requires_grad=True)
    w = torch.randn(o, c, k, k, requires_grad=True)
    b = torch.randn(o, requires_grad=True)
    pad = k // 2
    g = torch.randn(n, o, h, h)

    def forward():
        with torch.no_grad():
            F.conv2d(x, w, b, padding=pad)

    def both():
        y = F.conv2d(x, w, b, padding=pad)
        torch.autograd.grad(y, [x, w, b], g)

    print(f"conv N{n} C{c} O{o} H{h} K{k}: forward {median_ms(forward):.3f} ms, "
          f"forward and gradients {median_ms(both):.3f} ms")


def main():
    for shape in [(32, 32, 32, 28, 3), (32, 1, 32, 28, 3), (32, 32, 32, 28, 7),
                  (64, 64, 64, 16, 3), (64, 128, 128, 8, 3), (64, 64, 64, 14, 3),
                  (64, 128, 128, 7, 3)]:
        conv(*shape)
    x = torch.randn(32, 32, 28, 28)
    y = torch.empty_like(x)
    print(f"relu of 0.8 M floats: {median_ms(lambda: torch.clamp_min(x, 0, out=y), runs=400) * 1e3:.1f} us")


if __name__ == "__main__":
    main()
