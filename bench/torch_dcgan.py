#!/usr/bin/env python3
"""PyTorch twin of the Go `dcgan` bench workload (bench/dcgan.go).

One discriminator + one generator Adam step of the zoo's gan_mnist DCGAN at
batch 64, with the same layers, the same per-step work (the discriminator's
parameters are frozen during the generator's backward, as in Go) and the
same timing rule (median of 20 steps after 3 warm-up steps), on
ARTIFEX_BENCH_THREADS threads (2 when unset):

    /usr/bin/python3 bench/torch_dcgan.py [dcgan]

It prints one JSON line (torch_timing.py); `artifex bench dcgan --compare`
runs it beside the Go workload.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_timing import report

BATCH = 64
LATENT = 100


class Generator(nn.Module):
    """latent 100 -> 7x7x256 -> 14x14x128 -> 28x28x1, batch norm, ReLU, tanh."""

    def __init__(self):
        super().__init__()
        self.project = nn.Linear(LATENT, 256 * 7 * 7)
        self.bn0 = nn.BatchNorm2d(256)
        self.up1 = nn.ConvTranspose2d(256, 128, 4, 2, 1)
        self.bn1 = nn.BatchNorm2d(128)
        self.up2 = nn.ConvTranspose2d(128, 1, 4, 2, 1)

    def forward(self, z):
        h = F.relu(self.bn0(self.project(z).view(-1, 256, 7, 7)))
        h = F.relu(self.bn1(self.up1(h)))
        return torch.tanh(self.up2(h))


class Discriminator(nn.Module):
    """28x28x1 -> 14x14x64 -> 7x7x128 (batch norm) -> 1 logit, LeakyReLU 0.2, dropout 0.3."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 64, 4, 2, 1)
        self.c2 = nn.Conv2d(64, 128, 4, 2, 1)
        self.bn2 = nn.BatchNorm2d(128)
        self.drop = nn.Dropout(0.3)
        self.head = nn.Linear(128 * 7 * 7, 1)

    def forward(self, x):
        h = self.drop(F.leaky_relu(self.c1(x), 0.2))
        h = self.drop(F.leaky_relu(self.bn2(self.c2(h)), 0.2))
        return self.head(h.flatten(1)).view(-1)


def main():
    torch.manual_seed(0)
    g, d = Generator(), Discriminator()
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    images = torch.rand(BATCH, 1, 28, 28)
    bce = F.binary_cross_entropy_with_logits

    def step():
        real = images * 2 - 1
        fake = g(torch.randn(BATCH, LATENT))
        opt_d.zero_grad()
        d_real, d_fake = d(real), d(fake.detach())
        d_loss = bce(d_real, torch.ones_like(d_real)) + bce(d_fake, torch.zeros_like(d_fake))
        d_loss.backward()
        opt_d.step()
        opt_g.zero_grad()
        d.requires_grad_(False)
        out = d(fake)
        bce(out, torch.ones_like(out)).backward()
        d.requires_grad_(True)
        opt_g.step()

    report("dcgan", step)


if __name__ == "__main__":
    main()
