#!/usr/bin/env python3
"""Writes golden_rope.json: PyTorch values for nn.RoPE (rotary position embedding).

Regenerate from the repository root with Debian's torch:
    /usr/bin/python3 nn/testdata/gen_golden_rope.py

torch 1.13 has no rotary embedding, so the rotation is written here from its definition
(Su et al. 2021, RoFormer) in the "rotate half" layout: feature i < D/2 pairs with i + D/2,
and the pair at position p turns by p * base**(-2i/D). The case format is testdata/goldenlib.py's;
params give the first position ("start") and the base; x is [..., L, D] with rows at positions
start, start+1, ...
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata"))
import goldenlib as g  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden_rope.json")


def rope(x, start, base):
    d = x.shape[-1]
    half = d // 2
    pos = torch.arange(start, start + x.shape[-2], dtype=torch.float64)
    theta = base ** (-2 * torch.arange(half, dtype=torch.float64) / d)
    angle = pos[:, None] * theta[None, :]
    cos, sin = angle.cos().float(), angle.sin().float()
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


def rope_case(name, shape, start, base=10000.0):
    g.seed_for(name)
    inputs = {"x": torch.randn(shape)}
    return g.case(name, "rope", {"start": start, "base": base}, inputs,
                  lambda: rope(inputs["x"], start, base))


def main():
    torch.set_num_threads(1)
    cases = [
        rope_case("rope_heads_from_0", [2, 3, 5, 8], 0),
        rope_case("rope_from_37", [1, 2, 4, 16], 37),
        rope_case("rope_base_500", [6, 4], 11, 500.0),
    ]
    g.write_json(OUT, {"torch": g.torch_version(), "cases": cases})


if __name__ == "__main__":
    main()
