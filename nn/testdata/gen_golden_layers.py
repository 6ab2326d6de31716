#!/usr/bin/env python3
"""Writes golden_layers.json: PyTorch values for the nn package's layers.

Regenerate from the repository root with Debian's torch:
    /usr/bin/python3 nn/testdata/gen_golden_layers.py

The case format is the one of testdata/goldenlib.py; layer parameters are inputs (and so have
gradients), buffers such as running statistics are "state_before"/"state_after". Layouts are
torch's, and each case's params restate the one it uses:
  * Linear weight is [out, in]: y = x @ weight^T + bias;
  * ConvTranspose2d weight is [in, out/groups, kh, kw]; images are NCHW;
  * MultiheadAttention in_proj_weight is [3E, E], rows [0:E] project queries, [E:2E] keys,
    [2E:3E] values; head h owns columns [h*E/H : (h+1)*E/H] of the projected q, k, v;
    out_proj_weight is [E, E] used as o @ out_proj_weight^T + out_proj_bias;
  * masks in params use 1 = may attend (the opposite of torch's boolean attn_mask).
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata"))
import goldenlib as g  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden_layers.json")
EPS = 1e-5
MOMENTUM = 0.1


def affine(shape):
    """A weight near 1 and a bias near 0 that differ per element, so both show in the output."""
    return 1 + 0.3 * torch.randn(shape), 0.2 * torch.randn(shape)


def layernorm_case(name, x_shape, normalized_shape):
    g.seed_for(name)
    w, b = affine(normalized_shape)
    inputs = {"x": torch.randn(x_shape) * 2 + 0.5, "weight": w, "bias": b}
    params = {"normalized_shape": normalized_shape, "eps": EPS, "elementwise_affine": True}
    return g.case(name, "layer_norm", params, inputs,
                  lambda: F.layer_norm(inputs["x"], normalized_shape, inputs["weight"],
                                       inputs["bias"], EPS))


def groupnorm_case(name, x_shape, groups):
    g.seed_for(name)
    w, b = affine(x_shape[1])
    inputs = {"x": torch.randn(x_shape) * 2 + 0.5, "weight": w, "bias": b}
    params = {"num_groups": groups, "eps": EPS, "affine": True}
    return g.case(name, "group_norm", params, inputs,
                  lambda: F.group_norm(inputs["x"], groups, inputs["weight"], inputs["bias"], EPS))


def batchnorm_case(name, x_shape, training):
    """nn.BatchNorm1d/2d: training uses batch statistics (biased variance) for the output and
    updates running_mean/var with momentum 0.1 (running_var takes the unbiased variance);
    eval normalises with the running statistics and leaves them unchanged."""
    g.seed_for(name)
    c = x_shape[1]
    layer = (nn.BatchNorm1d if len(x_shape) <= 3 else nn.BatchNorm2d)(c, eps=EPS, momentum=MOMENTUM)
    with torch.no_grad():
        w, b = affine(c)
        layer.weight.copy_(w)
        layer.bias.copy_(b)
        layer.running_mean.copy_(0.5 * torch.randn(c))
        layer.running_var.copy_(0.5 + torch.rand(c))
    layer.train(training)
    x = torch.randn(x_shape) * 1.5 + 0.3
    params = {"training": training, "eps": EPS, "momentum": MOMENTUM,
              "num_features": c, "layer": type(layer).__name__}

    def state():
        return {"running_mean": layer.running_mean.clone(), "running_var": layer.running_var.clone(),
                "num_batches_tracked": layer.num_batches_tracked.clone()}

    inputs = {"x": x, "weight": layer.weight, "bias": layer.bias}
    return g.case(name, "batch_norm", params, inputs, lambda: layer(inputs["x"]), state=state)


def instancenorm_case(name, x_shape):
    g.seed_for(name)
    inputs = {"x": torch.randn(x_shape) * 2 + 0.5}
    params = {"eps": EPS, "affine": False, "track_running_stats": False}
    layer = nn.InstanceNorm2d(x_shape[1], eps=EPS, affine=False)
    return g.case(name, "instance_norm2d", params, inputs, lambda: layer(inputs["x"]))


def mha_case(name, lq, lk=None, causal=False, mask=None):
    """nn.MultiheadAttention(8, 2, batch_first=True), dropout 0, output only (no weights).

    Self-attention (lk None) has the one input "x" used as query, key and value;
    cross-attention has "query" [B, Lq, E] and separate "key", "value" [B, Lk, E].
    """
    g.seed_for(name)
    e, heads, b = 8, 2, 2
    layer = nn.MultiheadAttention(e, heads, batch_first=True)
    with torch.no_grad():  # torch starts the biases at zero; random ones test their paths
        layer.in_proj_bias.copy_(0.1 * torch.randn(3 * e))
        layer.out_proj.bias.copy_(0.1 * torch.randn(e))
    if lk is None:
        inputs = {"x": torch.randn(b, lq, e)}
        lk = lq
    else:
        inputs = {"query": torch.randn(b, lq, e), "key": torch.randn(b, lk, e),
                  "value": torch.randn(b, lk, e)}
    inputs.update({"in_proj_weight": layer.in_proj_weight, "in_proj_bias": layer.in_proj_bias,
                   "out_proj_weight": layer.out_proj.weight, "out_proj_bias": layer.out_proj.bias})
    allowed = torch.ones(lq, lk, dtype=torch.bool)
    if causal:
        allowed = torch.tril(allowed)
    if mask is not None:
        allowed = torch.tensor(mask, dtype=torch.bool)
    params = {"embed_dim": e, "num_heads": heads, "batch_first": True, "dropout": 0.0,
              "self_attention": "x" in inputs, "causal": causal,
              "layout": "q,k,v = in @ in_proj_weight[0:E|E:2E|2E:3E]^T + in_proj_bias[...]; "
                        "head h uses columns h*E/H:(h+1)*E/H; scale 1/sqrt(E/H); "
                        "out = concat_heads @ out_proj_weight^T + out_proj_bias"}
    if mask is not None:
        params["mask"] = g.tensor_json(torch.tensor(mask))

    def fwd():
        q = inputs.get("x", inputs.get("query"))
        k = inputs.get("x", inputs.get("key"))
        v = inputs.get("x", inputs.get("value"))
        attn_mask = None if (not causal and mask is None) else ~allowed  # torch: True = blocked
        out, _ = layer(q, k, v, attn_mask=attn_mask, need_weights=False)
        return out

    return g.case(name, "multihead_attention", params, inputs, fwd)


def conv_transpose2d_layer_case(name):
    g.seed_for(name)
    layer = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2)
    inputs = {"x": torch.randn(2, 4, 3, 3), "weight": layer.weight, "bias": layer.bias}
    params = {"in_channels": 4, "out_channels": 6, "kernel": [3, 3], "stride": [2, 2],
              "padding": [1, 1], "output_padding": [1, 1], "dilation": [1, 1], "groups": 2,
              "weight_layout": "[in, out/groups, kh, kw]"}
    return g.case(name, "conv_transpose2d_layer", params, inputs, lambda: layer(inputs["x"]))


def linear_case(name, x_shape, out_features):
    g.seed_for(name)
    layer = nn.Linear(x_shape[-1], out_features)
    inputs = {"x": torch.randn(x_shape), "weight": layer.weight, "bias": layer.bias}
    params = {"in_features": x_shape[-1], "out_features": out_features,
              "weight_layout": "[out, in]; y = x @ weight^T + bias"}
    return g.case(name, "linear", params, inputs, lambda: layer(inputs["x"]))


def embedding_case(name):
    """Repeated indices: their weight rows must accumulate gradient from every use."""
    g.seed_for(name)
    layer = nn.Embedding(10, 4)
    indices = torch.tensor([[1, 7, 1], [0, 9, 7]])
    inputs = {"weight": layer.weight}
    params = {"num_embeddings": 10, "embedding_dim": 4, "indices": g.tensor_json(indices)}
    return g.case(name, "embedding", params, inputs, lambda: layer(indices))


def activation_case(name, op, params, fn, shape=(4, 16)):
    """Values from N(0, 3^2), reaching past every kink (relu6 at 0 and 6, hardtanh at +-1)
    but kept 0.05 away from each, where torch's one-sided gradient choice would be arbitrary."""
    g.seed_for(name)
    x = torch.randn(shape) * 3
    for kink in (-1.0, 0.0, 1.0, 6.0):
        x = torch.where((x - kink).abs() < 0.05, x + 0.1, x)
    inputs = {"x": x}
    return g.case(name, op, params, inputs, lambda: fn(inputs["x"]))


def cases():
    return [
        layernorm_case("layernorm_last_dim", [2, 3, 8], [8]),
        layernorm_case("layernorm_last_two_dims", [2, 3, 4, 5], [4, 5]),
        groupnorm_case("groupnorm_groups2", [2, 8, 3, 3], 2),
        groupnorm_case("groupnorm_groups4", [2, 8, 3, 3], 4),
        batchnorm_case("batchnorm1d_train", [6, 4], True),
        batchnorm_case("batchnorm1d_train_ncl", [4, 3, 5], True),
        batchnorm_case("batchnorm1d_eval", [6, 4], False),
        batchnorm_case("batchnorm2d_train", [4, 3, 3, 3], True),
        batchnorm_case("batchnorm2d_eval", [4, 3, 3, 3], False),
        instancenorm_case("instancenorm2d", [2, 3, 4, 4]),
        mha_case("mha_self", 5),
        mha_case("mha_self_causal", 5, causal=True),
        mha_case("mha_cross", 4, 6),
        mha_case("mha_cross_mask", 4, 6, mask=[[1, 1, 0, 1, 0, 0],
                                               [0, 1, 1, 1, 1, 1],
                                               [1, 0, 0, 0, 0, 0],
                                               [1, 1, 1, 0, 0, 1]]),
        conv_transpose2d_layer_case("conv_transpose2d_layer"),
        linear_case("linear", [4, 5], 3),
        linear_case("linear_3d_input", [2, 3, 5], 4),
        embedding_case("embedding"),
        activation_case("gelu", "gelu", {"approximate": "none"}, F.gelu),
        activation_case("silu", "silu", {}, F.silu),
        activation_case("elu", "elu", {"alpha": 1.0}, lambda x: F.elu(x, 1.0)),
        activation_case("selu", "selu", {"alpha": 1.6732632423543772, "scale": 1.0507009873554805},
                        F.selu),
        activation_case("celu", "celu", {"alpha": 0.5}, lambda x: F.celu(x, 0.5)),
        activation_case("softsign", "softsign", {}, F.softsign),
        activation_case("relu6", "relu6", {}, F.relu6),
        activation_case("hardtanh", "hardtanh", {"min_val": -1.0, "max_val": 1.0},
                        lambda x: F.hardtanh(x, -1.0, 1.0)),
        activation_case("glu", "glu", {"dim": -1}, lambda x: F.glu(x, -1)),
    ]


def main():
    torch.set_num_threads(1)  # one thread: the reduction order, hence the values, never varies
    g.write_json(OUT, {"torch_version": g.torch_version(), "cases": cases()})
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
