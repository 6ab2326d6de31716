#!/usr/bin/env python3
"""PyTorch twin of the Go `pixelcnn` bench workload (bench/pixelcnn.go).

One Adam step (lr 1e-3) of the zoo's pixel_cnn_mnist PixelCNN at batch 32 on
28x28 binary images: a 7x7 type A masked convolution 1->32, 5 residual blocks
(ReLU, 1x1 32->16, ReLU, 3x3 16->16, ReLU, 1x1 16->32, all type B), ReLU,
1x1 32->64, ReLU, 1x1 64->1, Bernoulli NLL per image averaged over the batch
and divided by 784, as in Go. The mask multiplies the weight at every forward
pass, as in Go. Same timing rule (median of 20 steps after 3 warm-up steps),
ARTIFEX_BENCH_THREADS threads (2 when unset):

    /usr/bin/python3 bench/torch_pixelcnn.py

It prints one JSON line with the keys of `artifex bench pixelcnn --json`.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_timing import report

BATCH = 32


class MaskedConv(nn.Conv2d):
    """Conv2d whose kernel is masked to the pixels before the centre (one colour channel)."""

    def __init__(self, cin, cout, k, mask_type):
        super().__init__(cin, cout, k, padding=k // 2)
        m = torch.zeros_like(self.weight)
        c = k // 2
        m[:, :, :c, :] = 1
        m[:, :, c, :c] = 1
        if mask_type == "B":
            m[:, :, c, c] = 1
        self.register_buffer("mask", m)

    def forward(self, x):
        return F.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class Block(nn.Module):
    def __init__(self, h):
        super().__init__()
        self.a = MaskedConv(h, h // 2, 1, "B")
        self.b = MaskedConv(h // 2, h // 2, 3, "B")
        self.c = MaskedConv(h // 2, h, 1, "B")

    def forward(self, x):
        y = self.a(F.relu(x))
        y = self.b(F.relu(y))
        y = self.c(F.relu(y))
        return x + y


class PixelCNN(nn.Module):
    def __init__(self, h=32, blocks=5, out_hidden=64):
        super().__init__()
        self.first = MaskedConv(1, h, 7, "A")
        self.blocks = nn.Sequential(*[Block(h) for _ in range(blocks)])
        self.out1 = MaskedConv(h, out_hidden, 1, "B")
        self.out2 = MaskedConv(out_hidden, 1, 1, "B")

    def forward(self, x):
        z = self.blocks(self.first(2 * x - 1))
        return self.out2(F.relu(self.out1(F.relu(z))))


def main():
    torch.manual_seed(0)
    model = PixelCNN()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = (torch.rand(BATCH, 1, 28, 28) < 0.2).float()

    def step():
        opt.zero_grad()
        nll = F.binary_cross_entropy_with_logits(model(x), x, reduction="none").sum((1, 2, 3)).mean()
        (nll / 784).backward()
        opt.step()

    report("pixelcnn", step)


if __name__ == "__main__":
    main()
