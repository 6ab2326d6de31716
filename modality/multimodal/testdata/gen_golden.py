"""Golden values of the multimodal losses, from PyTorch.

Run with Debian's /usr/bin/python3 (torch 1.13):
    /usr/bin/python3 gen_golden.py > golden.json
The Go tests read golden.json and never run Python.
"""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(7)
a = torch.randn(6, 4, dtype=torch.float64)
b = torch.randn(6, 4, dtype=torch.float64)
tau = 0.3
logits = F.normalize(a, dim=1) @ F.normalize(b, dim=1).T / tau
labels = torch.arange(6)
info_nce = 0.5 * (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels))

mu = torch.randn(2, 3, 5, dtype=torch.float64)  # two experts, batch 3, latent 5
logvar = torch.randn(2, 3, 5, dtype=torch.float64)
precision = 1 + torch.exp(-logvar).sum(0)
poe_mu = (mu * torch.exp(-logvar)).sum(0) / precision
poe_logvar = -torch.log(precision)


def flat(t):
    return t.reshape(-1).tolist()


print(json.dumps({
    "info_nce": {"a": flat(a), "b": flat(b), "n": 6, "d": 4, "temperature": tau, "loss": info_nce.item()},
    "poe": {"mu": flat(mu), "logvar": flat(logvar), "n": 3, "d": 5,
            "fused_mu": flat(poe_mu), "fused_logvar": flat(poe_logvar)},
}))
