#!/usr/bin/env python3
"""PyTorch twin of the Go diffusion workloads (bench/diffusion.go).

    /usr/bin/python3 bench/torch_diffusion.py ddpm-unet
    /usr/bin/python3 bench/torch_diffusion.py ddim-sample

The UNet is the zoo's diffusion_mnist: channels 16-32-32 at 28/14/7, one
residual block per level (two on the way up), GroupNorm, SiLU, a 64-wide
time embedding, self-attention at 7x7 and in the middle, strided-conv down
and nearest+conv up-sampling, linear 1000-step schedule, epsilon MSE, Adam
1e-3; the Go step also folds the weights into an EMA (decay 0.999), done
here too. Prints one JSON line (torch_timing.py).
"""
import copy
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_timing import median_seconds, print_result

CH, TDIM, T = [16, 32, 32], 64, 1000


def groups(c):
    g = min(32, max(c // 4, 1))
    while c % g:
        g -= 1
    return g


def groups2(a, b):
    g = groups(min(a, b))
    while a % g or b % g:
        g -= 1
    return g


def sinusoidal(t, dim):
    half = dim // 2
    w = torch.exp(-math.log(10000.0) * torch.arange(half) / half)
    a = t[:, None] * w[None]
    return torch.cat([a.sin(), a.cos()], 1)


class Res(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        g = groups2(i, o)
        self.n1, self.c1 = nn.GroupNorm(g, i), nn.Conv2d(i, o, 3, padding=1)
        self.t = nn.Linear(TDIM, o)
        self.n2, self.c2 = nn.GroupNorm(g, o), nn.Conv2d(o, o, 3, padding=1)
        self.skip = nn.Conv2d(i, o, 1) if i != o else nn.Identity()

    def forward(self, x, temb):
        h = self.c1(F.silu(self.n1(x))) + self.t(F.silu(temb))[:, :, None, None]
        return self.skip(x) + self.c2(F.silu(self.n2(h)))


class Attn(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n, self.a = nn.GroupNorm(groups(c), c), nn.MultiheadAttention(c, max(c // 64, 1), batch_first=True)

    def forward(self, x):
        b, c, h, w = x.shape
        s = self.n(x).reshape(b, c, h * w).transpose(1, 2)
        return x + self.a(s, s, s, need_weights=False)[0].transpose(1, 2).reshape(b, c, h, w)


class UNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.t1, self.t2 = nn.Linear(CH[0], TDIM), nn.Linear(TDIM, TDIM)
        self.inc = nn.Conv2d(1, CH[0], 3, padding=1)
        skips, prev = [CH[0]], CH[0]
        self.down, self.up = nn.ModuleList(), nn.ModuleList()
        for i, c in enumerate(CH):
            blk = nn.ModuleDict({"res": Res(prev, c), "attn": Attn(c) if i == len(CH) - 1 else nn.Identity()})
            prev = c
            skips.append(c)
            if i < len(CH) - 1:
                blk["down"] = nn.Conv2d(c, c, 3, stride=2, padding=1)
                skips.append(c)
            self.down.append(blk)
        self.mid1, self.mida, self.mid2 = Res(prev, prev), Attn(prev), Res(prev, prev)
        for i in reversed(range(len(CH))):
            c = CH[i]
            res, attn = nn.ModuleList(), nn.ModuleList()
            for _ in range(2):
                res.append(Res(prev + skips.pop(), c))
                attn.append(Attn(c) if i == len(CH) - 1 else nn.Identity())
                prev = c
            blk = nn.ModuleDict({"res": res, "attn": attn})
            if i > 0:
                blk["up"] = nn.Conv2d(c, c, 3, padding=1)
            self.up.append(blk)
        self.norm, self.out = nn.GroupNorm(groups(prev), prev), nn.Conv2d(prev, 1, 3, padding=1)

    def forward(self, x, t):
        temb = self.t2(F.silu(self.t1(sinusoidal(t, CH[0]))))
        h = self.inc(x)
        hs = [h]
        for blk in self.down:
            h = blk["attn"](blk["res"](h, temb))
            hs.append(h)
            if "down" in blk:
                h = blk["down"](h)
                hs.append(h)
        h = self.mid2(self.mida(self.mid1(h, temb)), temb)
        for blk in self.up:
            for r, a in zip(blk["res"], blk["attn"]):
                h = a(r(torch.cat([h, hs.pop()], 1), temb))
            if "up" in blk:
                h = blk["up"](F.interpolate(h, scale_factor=2, mode="nearest"))
        return self.out(F.silu(self.norm(h)))


ab = torch.cumprod(1 - torch.linspace(1e-4, 0.02, T, dtype=torch.float64), 0).float()


def ddpm_unet():
    net = UNet()
    ema = copy.deepcopy(net)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x0 = torch.rand(32, 1, 28, 28) * 2 - 1

    def step():
        t = torch.randint(0, T, (32,))
        eps = torch.randn_like(x0)
        a = ab[t][:, None, None, None]
        xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
        opt.zero_grad()
        F.mse_loss(net(xt, t.float()), eps).backward()
        opt.step()
        with torch.no_grad():
            for pe, p in zip(ema.parameters(), net.parameters()):
                pe.mul_(0.999).add_(p, alpha=0.001)

    return median_seconds(step, 3, 20)


def ddim_sample():
    net = UNet().eval()
    ts = [round(i * (T - 1) / 49) for i in range(50)]

    @torch.no_grad()
    def step():
        x = torch.randn(64, 1, 28, 28)
        for i in reversed(range(50)):
            a = ab[ts[i]]
            an = ab[ts[i - 1]] if i > 0 else torch.tensor(1.0)
            eps = net(x, torch.full((64,), float(ts[i])))
            x0 = ((x - (1 - a).sqrt() * eps) / a.sqrt()).clamp(-1, 1)
            eps = (x - a.sqrt() * x0) / (1 - a).sqrt()
            x = an.sqrt() * x0 + (1 - an).sqrt() * eps

    return median_seconds(step, 1, 3)


if __name__ == "__main__":
    torch.manual_seed(0)
    name = sys.argv[1]
    fn = {"ddpm-unet": ddpm_unet, "ddim-sample": ddim_sample}[name]
    print_result(name, fn())
