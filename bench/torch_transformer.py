#!/usr/bin/env python3
"""PyTorch twin of the Go `transformer` workload: one training step of a
byte-level decoder-only Transformer language model (token + learned position
embeddings, 4 pre-norm blocks of causal multi-head self-attention with 4 heads
and a GELU feed-forward of width 512, model width 128, final LayerNorm and a
linear read-out to 256 logits), context 128, no dropout, on a batch of 16
random 129-byte rows: next-token cross-entropy, backward, Adam lr 1e-3.
Median of 20 steps after 3 warm-up.

    /usr/bin/python3 bench/torch_transformer.py
prints {"workload": "transformer", "ms_per_step": ..., "threads": 2, ...}
(torch_timing.py).
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_timing import report

V, T, D, H, FF, L, B = 256, 128, 128, 4, 512, 4, 16


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.attn = nn.MultiheadAttention(D, H, batch_first=True)
        self.ff1, self.ff2 = nn.Linear(D, FF), nn.Linear(FF, D)

    def forward(self, x, mask):
        h = self.norm1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.ff2(F.gelu(self.ff1(self.norm2(x))))


class LM(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok, self.pos = nn.Embedding(V, D), nn.Embedding(T, D)
        nn.init.normal_(self.tok.weight, std=0.02)
        nn.init.normal_(self.pos.weight, std=0.02)
        self.blocks = nn.ModuleList(Block() for _ in range(L))
        self.norm, self.head = nn.LayerNorm(D), nn.Linear(D, V)

    def forward(self, ids):
        t = ids.shape[1]
        mask = torch.triu(torch.ones(t, t, dtype=torch.bool), 1)
        h = self.tok(ids) + self.pos(torch.arange(t))
        for b in self.blocks:
            h = b(h, mask)
        return self.head(self.norm(h))


def main():
    torch.manual_seed(0)
    model = LM()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    rows = torch.randint(0, V, (B, T + 1))
    x, y = rows[:, :-1], rows[:, 1:]

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x).reshape(-1, V), y.reshape(-1))
        loss.backward()
        opt.step()

    report("transformer", step)


if __name__ == "__main__":
    main()
