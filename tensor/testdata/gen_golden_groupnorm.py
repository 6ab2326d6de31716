#!/usr/bin/env python3
"""Writes golden_groupnorm.json: PyTorch values for tensor.GroupNorm and
tensor.GroupNormSiLU (F.group_norm, then F.silu for the fused op), in the
case format of testdata/goldenlib.py.

Regenerate from the repository root with Debian's torch:
    /usr/bin/python3 tensor/testdata/gen_golden_groupnorm.py
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata"))
import goldenlib as g  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden_groupnorm.json")


def gn_case(name, x_shape, groups, silu, offset=0.0):
    g.seed_for(name)
    c = x_shape[1]
    x = torch.randn(x_shape) * 2 + offset
    w = torch.randn(c)
    b = torch.randn(c)

    def forward():
        y = F.group_norm(x, groups, w, b, eps=1e-5)
        return F.silu(y) if silu else y

    return g.case(name, "group_norm_silu" if silu else "group_norm",
                  {"groups": groups}, {"x": x, "w": w, "b": b}, forward)


def cases():
    return [
        gn_case("group_norm_4d", [2, 6, 5, 4], 3, False),
        gn_case("group_norm_3d_offset", [3, 4, 7], 2, False, offset=5.0),
        gn_case("group_norm_silu_4d", [2, 8, 4, 4], 4, True),
        gn_case("group_norm_silu_one_group", [2, 4, 3, 5], 1, True, offset=-3.0),
    ]


def main():
    torch.set_num_threads(1)
    g.write_json(OUT, {"torch_version": g.torch_version(), "cases": cases()})
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
