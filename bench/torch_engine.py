#!/usr/bin/env python3
"""PyTorch twin of the Go engine workloads (bench/gemm.go, bench/train.go).

    /usr/bin/python3 bench/torch_engine.py gemm      # 1024^3 fp32 matmul
    /usr/bin/python3 bench/torch_engine.py mlp-vae   # 784-256-16 VAE step
    /usr/bin/python3 bench/torch_engine.py conv2     # two 3x3 convs + head

Same shapes, optimizer (Adam 1e-3) and warm-up/timed step counts as the Go
workloads; prints one JSON line (see torch_timing.py), with "gflops" for
gemm. The shared ../shared/bench/torch_reference.py times the same three
and can stand in for this file (`artifex bench --torch PATH`).
"""
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_timing import median_seconds, print_result


def gemm():
    n = 1024
    a, b = torch.randn(n, n), torch.randn(n, n)
    c = torch.empty(n, n)
    s = median_seconds(lambda: torch.mm(a, b, out=c), 3, 15)
    print_result("gemm", s, gflops=2 * n**3 / s / 1e9)


class VAE(nn.Module):
    """Bernoulli likelihood, one latent sample, as benchVAE in train.go."""

    def __init__(self):
        super().__init__()
        self.hidden, self.mean, self.logvar = nn.Linear(784, 256), nn.Linear(256, 16), nn.Linear(256, 16)
        self.dec_hidden, self.dec_out = nn.Linear(16, 256), nn.Linear(256, 784)

    def loss(self, x):
        h = F.relu(self.hidden(x))
        m, lv = self.mean(h), self.logvar(h)
        z = m + torch.exp(0.5 * lv) * torch.randn_like(m)
        logits = self.dec_out(F.relu(self.dec_hidden(z)))
        rec = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1)
        kl = -0.5 * (1 + lv - m * m - lv.exp()).sum(-1)
        return (rec + kl).mean()


def mlp_vae():
    model = VAE()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = (torch.rand(64, 784) < 0.2).float()

    def step():
        opt.zero_grad()
        model.loss(x).backward()
        opt.step()

    print_result("mlp-vae", median_seconds(step, 20, 200))


def conv2():
    net = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(),
        nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(32 * 28 * 28, 10))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x, y = torch.randn(32, 1, 28, 28), torch.randint(0, 10, (32,))

    def step():
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()

    print_result("conv2", median_seconds(step, 5, 40))


WORKLOADS = {"gemm": gemm, "mlp-vae": mlp_vae, "conv2": conv2}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in WORKLOADS:
        sys.exit(f"usage: torch_engine.py {{{'|'.join(WORKLOADS)}}}")
    torch.manual_seed(0)
    WORKLOADS[sys.argv[1]]()
