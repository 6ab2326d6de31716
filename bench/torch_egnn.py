#!/usr/bin/env python3
"""PyTorch twin of the Go `egnn` workload: one training step of a 4-layer
EGNN (Satorras et al. 2021) as models/geometric builds it: embedding
Linear(16, 64), four layers, output Linear(64, 16), on fully connected
64-node graphs, batch 16. Each layer:
    e_ij = SiLU(Src(h_i) + Dst(h_j) + Dist(|x_i - x_j|^2))   (Dst, Dist without bias)
    m_ij = SiLU(Edge(e_ij)) * (i != j)
    w_ij = Coord2(SiLU(Coord1(m_ij)))                         (Coord2: 64 -> 1, no bias)
    x_i += sum_j (x_i - x_j) / (sqrt(d2 + 1e-8) + 1) * w_ij / (N - 1)
    h_i += Node2(SiLU(Node1([h_i, sum_j m_ij / (N - 1)])))
Loss: MSE(x_out, x_target) + MSE(h_out, h_target), Adam lr 1e-3.
Median of 10 steps after 2 warm-up.

    /usr/bin/python3 bench/torch_egnn.py
prints {"workload": "egnn", "ms_per_step": ..., "threads": 2, ...}
(torch_timing.py).
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_timing import report

B, N, F_IN, H = 16, 64, 16, 64


class Layer(nn.Module):
    def __init__(self):
        super().__init__()
        self.src = nn.Linear(H, H)
        self.dst = nn.Linear(H, H, bias=False)
        self.dist = nn.Linear(1, H, bias=False)
        self.edge = nn.Linear(H, H)
        self.coord1 = nn.Linear(H, H)
        self.coord2 = nn.Linear(H, 1, bias=False)
        nn.init.xavier_uniform_(self.coord2.weight, gain=0.001)
        self.node1 = nn.Linear(2 * H, H)
        self.node2 = nn.Linear(H, H)

    def forward(self, h, x, off):
        diff = x[:, :, None, :] - x[:, None, :, :]
        d2 = (diff ** 2).sum(-1, keepdim=True)
        e = F.silu(self.src(h)[:, :, None] + self.dst(h)[:, None] + self.dist(d2))
        m = F.silu(self.edge(e)) * off
        w = self.coord2(F.silu(self.coord1(m)))
        direction = diff / (torch.sqrt(d2 + 1e-8) + 1)
        x = x + (direction * w * off).sum(2) / (N - 1)
        agg = m.sum(2) / (N - 1)
        h = h + self.node2(F.silu(self.node1(torch.cat([h, agg], -1))))
        return h, x


class EGNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(F_IN, H)
        self.layers = nn.ModuleList([Layer() for _ in range(4)])
        self.out = nn.Linear(H, F_IN)

    def forward(self, h, x, off):
        h = self.embed(h)
        for l in self.layers:
            h, x = l(h, x, off)
        return self.out(h), x


def main():
    torch.manual_seed(0)
    net = EGNN()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    h, x = torch.randn(B, N, F_IN), torch.randn(B, N, 3)
    ht, xt = torch.randn(B, N, F_IN), torch.randn(B, N, 3)
    off = (1 - torch.eye(N))[None, :, :, None]

    def step():
        opt.zero_grad()
        ho, xo = net(h, x, off)
        loss = F.mse_loss(xo, xt) + F.mse_loss(ho, ht)
        loss.backward()
        opt.step()

    report("egnn", step, warmup=2, runs=10)


if __name__ == "__main__":
    main()
