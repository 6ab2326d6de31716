#!/usr/bin/env python3
"""PyTorch twin of the Go `realnvp` workload: one training step of
flow_mnist_realnvp (RealNVP on 1x28x28, SCALES scales of K checkerboard and
channel couplings, coupling networks 3x3 conv -> ReLU -> 1x1 conv -> ReLU ->
3x3 conv with HIDDEN channels, s = scale * tanh(raw); an ActNorm before every
coupling when ACTNORM; Glow's split prior before every factoring-out when
SPLIT_PRIOR), uniform dequantisation and the logit transform (alpha 0.05),
batch 64, Adam lr 1e-3. Median of 20 steps after 3 warm-up. The constants
below must match zoo/configs/vision/flow_mnist_realnvp.yaml.

    /usr/bin/python3 bench/torch_realnvp.py
prints {"workload": "realnvp", "ms_per_step": ..., "threads": 2, ...}
(torch_timing.py).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_timing import report

ALPHA = 0.05
SCALES, K, HIDDEN = 2, 3, 64
ACTNORM, SPLIT_PRIOR = True, True


def conv_net(cin, cout, hidden=None):
    """3x3 -> ReLU -> 1x1 -> ReLU -> zero 3x3; hidden=0: the zero 3x3 alone."""
    hidden = HIDDEN if hidden is None else hidden
    last = nn.Conv2d(hidden or cin, cout, 3, padding=1)
    nn.init.zeros_(last.weight)
    nn.init.zeros_(last.bias)
    if not hidden:
        return last
    return nn.Sequential(nn.Conv2d(cin, hidden, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(hidden, hidden, 1), nn.ReLU(), last)


class ActNorm(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(1, c, 1, 1))
        self.logs = nn.Parameter(torch.zeros(1, c, 1, 1))
        self.initialized = False

    def forward(self, x):
        if not self.initialized:
            with torch.no_grad():
                self.bias.copy_(-x.mean((0, 2, 3), keepdim=True))
                self.logs.copy_(-torch.log(x.std((0, 2, 3), keepdim=True, unbiased=False) + 1e-6))
            self.initialized = True
        ld = self.logs.sum() * x.shape[2] * x.shape[3]
        return (x + self.bias) * self.logs.exp(), ld.expand(x.shape[0])


class Coupling(nn.Module):
    def __init__(self, shape, kind, flip, hidden=None):
        super().__init__()
        c, h, w = shape
        self.kind, self.flip = kind, flip
        if kind == "checkerboard":
            ij = torch.arange(h)[:, None] + torch.arange(w)[None, :]
            self.register_buffer("mask", (((ij % 2) == 0) != flip).float()[None, None])
            self.net, self.scale = conv_net(c, 2 * c, hidden), nn.Parameter(torch.ones(c))
        else:
            keep = c - c // 2 if flip else c // 2
            self.keep, self.rest = keep, c - keep
            self.net, self.scale = conv_net(keep, 2 * self.rest, hidden), nn.Parameter(torch.ones(self.rest))

    def params(self, kept):
        s, t = self.net(kept).chunk(2, 1)
        return torch.tanh(s) * self.scale.view(1, -1, 1, 1), t

    def forward(self, x):
        if self.kind == "checkerboard":
            inv = 1 - self.mask
            s, t = self.params(x * self.mask)
            s, t = s * inv, t * inv
            return x * s.exp() + t, s.flatten(1).sum(1)
        if self.flip:
            rest, kept = x.split([self.rest, self.keep], 1)
        else:
            kept, rest = x.split([self.keep, self.rest], 1)
        s, t = self.params(kept)
        z = rest * s.exp() + t
        out = torch.cat([z, kept], 1) if self.flip else torch.cat([kept, z], 1)
        return out, s.flatten(1).sum(1)


def squeeze(x):
    n, c, h, w = x.shape
    return x.view(n, c, h // 2, 2, w // 2, 2).permute(0, 1, 3, 5, 2, 4).reshape(n, 4 * c, h // 2, w // 2)


def unsqueeze(x):
    n, c, h, w = x.shape
    return x.view(n, c // 4, 2, 2, h, w).permute(0, 1, 4, 2, 5, 3).reshape(n, c // 4, 2 * h, 2 * w)


def with_actnorm(couplings, c):
    layers = []
    for l in couplings:
        if ACTNORM:
            layers.append(ActNorm(c))
        layers.append(l)
    return nn.ModuleList(layers)


class Level(nn.Module):
    def __init__(self, shape, level, scales=SCALES, k=K):
        super().__init__()
        c, h, w = shape
        self.last = level == scales - 1 or h % 2 or w % 2
        n = k + 1 if self.last else k
        self.pre = with_actnorm([Coupling(shape, "checkerboard", i % 2 == 1) for i in range(n)], c)
        if not self.last:
            sq = (4 * c, h // 2, w // 2)
            self.post = with_actnorm([Coupling(sq, "channel", i % 2 == 1) for i in range(k)], 4 * c)
            if SPLIT_PRIOR:
                self.post.append(Coupling(sq, "channel", True, hidden=0))
            self.next = Level((2 * c, h // 2, w // 2), level + 1, scales, k)

    def forward(self, x):
        ld = x.new_zeros(x.shape[0])
        for l in self.pre:
            x, d = l(x)
            ld = ld + d
        if self.last:
            return x, ld
        x = squeeze(x)
        for l in self.post:
            x, d = l(x)
            ld = ld + d
        c = x.shape[1]
        a, b = x.split([c // 2, c - c // 2], 1)
        b, d = self.next(b)
        return unsqueeze(torch.cat([a, b], 1)), ld + d


def main():
    torch.manual_seed(0)
    flow = Level((1, 28, 28), 0)
    opt = torch.optim.Adam(flow.parameters(), lr=1e-3)
    x = torch.randint(0, 256, (64, 1, 28, 28)).float() / 255
    d = 784

    def step():
        opt.zero_grad()
        y = (torch.round(x * 255) + torch.rand_like(x)) / 256
        y = ALPHA + (1 - 2 * ALPHA) * y
        pre = (math.log(1 - 2 * ALPHA) - torch.log(y) - torch.log1p(-y)).flatten(1).sum(1)
        z, ld = flow(torch.log(y) - torch.log1p(-y))
        logp = (-0.5 * z * z).flatten(1).sum(1) - 0.5 * d * math.log(2 * math.pi) + ld
        loss = (-(logp + pre) + d * math.log(256)).mean() / d
        loss.backward()
        opt.step()

    report("realnvp", step)


if __name__ == "__main__":
    main()
