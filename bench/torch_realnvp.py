#!/usr/bin/env python3
"""PyTorch twin of the Go `realnvp` workload: one training step of
flow_mnist_realnvp (RealNVP on 1x28x28, 2 scales, coupling networks
3x3 conv -> ReLU -> 1x1 conv -> ReLU -> 3x3 conv with 64 hidden channels,
s = scale * tanh(raw)), uniform dequantisation and the logit transform
(alpha 0.05), batch 64, Adam lr 1e-3. Median of 20 steps after 3 warm-up.

    /usr/bin/python3 bench/torch_realnvp.py
prints {"workload": "realnvp", "ms_per_step": ..., "threads": 2}.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_timing import report

torch.set_num_threads(2)
ALPHA = 0.05


def conv_net(cin, cout, hidden=64):
    last = nn.Conv2d(hidden, cout, 3, padding=1)
    nn.init.zeros_(last.weight)
    nn.init.zeros_(last.bias)
    return nn.Sequential(nn.Conv2d(cin, hidden, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(hidden, hidden, 1), nn.ReLU(), last)


class Coupling(nn.Module):
    def __init__(self, shape, kind, flip):
        super().__init__()
        c, h, w = shape
        self.kind, self.flip = kind, flip
        if kind == "checkerboard":
            ij = torch.arange(h)[:, None] + torch.arange(w)[None, :]
            self.register_buffer("mask", (((ij % 2) == 0) != flip).float()[None, None])
            self.net, self.scale = conv_net(c, 2 * c), nn.Parameter(torch.ones(c))
        else:
            keep = c - c // 2 if flip else c // 2
            self.keep, self.rest = keep, c - keep
            self.net, self.scale = conv_net(keep, 2 * self.rest), nn.Parameter(torch.ones(self.rest))

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


class Level(nn.Module):
    def __init__(self, shape, level, scales=2, k=3):
        super().__init__()
        c, h, w = shape
        self.last = level == scales - 1
        n = k + 1 if self.last else k
        self.pre = nn.ModuleList(Coupling(shape, "checkerboard", i % 2 == 1) for i in range(n))
        if not self.last:
            self.post = nn.ModuleList(Coupling((4 * c, h // 2, w // 2), "channel", i % 2 == 1) for i in range(k))
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
