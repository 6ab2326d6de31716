#!/usr/bin/env python3
"""Writes golden_ops.json: PyTorch values for the tensor package's ops.

Regenerate from the repository root with Debian's torch:
    /usr/bin/python3 tensor/testdata/gen_golden_ops.py

Layout and naming (see testdata/goldenlib.py for the case format):
  * images are NCHW, sequences NCL;
  * conv weight [out, in/groups, k...]; conv-transpose weight [in, out/groups, k...];
  * stride, padding, dilation, output_padding, kernel are lists with one entry per spatial
    dim ([s] for 1-D, [sh, sw] for 2-D); groups is an int;
  * integer inputs (labels, masks) live in params, never in inputs, and have no gradient.
"""
import math
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata"))
import goldenlib as g  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden_ops.json")


def conv_case(name, x_shape, w_shape, bias=True, stride=None, padding=None, dilation=None,
              groups=1):
    """conv1d or conv2d, chosen by the number of spatial dims of x_shape."""
    g.seed_for(name)
    nd = len(x_shape) - 2
    stride, padding, dilation = stride or [1] * nd, padding or [0] * nd, dilation or [1] * nd
    inputs = {"x": torch.randn(x_shape), "w": torch.randn(w_shape) * 0.5}
    if bias:
        inputs["b"] = torch.randn(w_shape[0]) * 0.1
    conv = F.conv1d if nd == 1 else F.conv2d
    params = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups,
              "bias": bias}
    return g.case(name, f"conv{nd}d", params, inputs,
                  lambda: conv(inputs["x"], inputs["w"], inputs.get("b"), stride, padding,
                               dilation, groups))


def causal_conv1d_case(name, x_shape, w_shape, dilation):
    """Causal conv1d: pad (k-1)*dilation zeros on the left only, then a plain conv1d."""
    g.seed_for(name)
    k = w_shape[2]
    pad_left = (k - 1) * dilation
    inputs = {"x": torch.randn(x_shape), "w": torch.randn(w_shape) * 0.5,
              "b": torch.randn(w_shape[0]) * 0.1}
    params = {"pad_left": pad_left, "pad_right": 0, "stride": [1], "padding": [0],
              "dilation": [dilation], "groups": 1, "bias": True, "causal": True}
    return g.case(name, "causal_conv1d", params, inputs,
                  lambda: F.conv1d(F.pad(inputs["x"], (pad_left, 0)), inputs["w"], inputs["b"],
                                   1, 0, dilation))


def conv_transpose2d_case(name, x_shape, w_shape, stride=(1, 1), padding=(0, 0),
                          output_padding=(0, 0), dilation=(1, 1), groups=1):
    g.seed_for(name)
    inputs = {"x": torch.randn(x_shape), "w": torch.randn(w_shape) * 0.5,
              "b": torch.randn(w_shape[1] * groups) * 0.1}
    params = {"stride": list(stride), "padding": list(padding),
              "output_padding": list(output_padding), "dilation": list(dilation),
              "groups": groups, "bias": True}
    return g.case(name, "conv_transpose2d", params, inputs,
                  lambda: F.conv_transpose2d(inputs["x"], inputs["w"], inputs["b"], stride,
                                             padding, output_padding, groups, dilation))


def pool_case(name, op, x_shape, kernel, stride, padding):
    g.seed_for(name)
    inputs = {"x": torch.randn(x_shape)}
    params = {"kernel": kernel, "stride": stride, "padding": padding, "ceil_mode": False}
    if op == "max_pool2d":
        params["dilation"] = [1, 1]
        fwd = lambda: F.max_pool2d(inputs["x"], kernel, stride, padding)  # noqa: E731
    else:
        params["count_include_pad"] = True
        fwd = lambda: F.avg_pool2d(inputs["x"], kernel, stride, padding,  # noqa: E731
                                   count_include_pad=True)
    return g.case(name, op, params, inputs, fwd)


def upsample_case(name, x_shape, size, mode, align_corners=None):
    g.seed_for(name)
    inputs = {"x": torch.randn(x_shape)}
    params = {"mode": mode, "size": size}
    if mode == "nearest":
        params["scale"] = [size[0] // x_shape[2], size[1] // x_shape[3]]
    else:
        params["align_corners"] = align_corners
    return g.case(name, "upsample_" + mode, params, inputs,
                  lambda: F.interpolate(inputs["x"], size=size, mode=mode,
                                        align_corners=align_corners))


def attention_case(name, lq, lk, causal=False, mask=None):
    """softmax(q k^T * scale + bias) v over [batch, heads, L, d]; masked scores are -inf.

    mask is [Lq, Lk] with 1 = attend, shared by every batch and head; causal means key j is
    visible from query i when j <= i.
    """
    g.seed_for(name)
    b, h, d, dv = 2, 2, 4, 3
    inputs = {"q": torch.randn(b, h, lq, d), "k": torch.randn(b, h, lk, d),
              "v": torch.randn(b, h, lk, dv)}
    scale = 1.0 / math.sqrt(d)
    allowed = torch.ones(lq, lk, dtype=torch.bool)
    if causal:
        allowed = torch.tril(allowed)
    if mask is not None:
        allowed = torch.tensor(mask, dtype=torch.bool)
    params = {"scale": scale, "causal": causal}
    if mask is not None:
        params["mask"] = g.tensor_json(torch.tensor(mask))

    def fwd():
        scores = inputs["q"] @ inputs["k"].transpose(-1, -2) * scale
        scores = scores.masked_fill(~allowed, float("-inf"))
        return torch.softmax(scores, dim=-1) @ inputs["v"]

    return g.case(name, "scaled_dot_product_attention", params, inputs, fwd)


def cross_entropy_indices_case(name):
    g.seed_for(name)
    logits = torch.randn(6, 5) * 2
    logits[5] = torch.tensor([40.0, -35.0, 10.0, 0.0, 39.0])  # far from zero: needs a stable log-sum-exp
    labels = [0, 3, 4, 1, 2, 4]
    inputs = {"logits": logits}
    return g.case(name, "cross_entropy", {"labels": labels, "reduction": "none"}, inputs,
                  lambda: F.cross_entropy(inputs["logits"], torch.tensor(labels), reduction="none"))


def cross_entropy_soft_case(name):
    g.seed_for(name)
    inputs = {"logits": torch.randn(6, 5) * 2, "target": torch.softmax(torch.randn(6, 5), dim=1)}
    return g.case(name, "cross_entropy_soft", {"reduction": "none"}, inputs,
                  lambda: F.cross_entropy(inputs["logits"], inputs["target"], reduction="none"))


def bce_with_logits_case(name):
    g.seed_for(name)
    logits = torch.randn(4, 6) * 3
    logits[0] = torch.tensor([30.0, -30.0, 15.0, -15.0, 0.0, 30.0])
    target = torch.rand(4, 6)
    target[0] = torch.tensor([1.0, 0.0, 0.0, 1.0, 0.5, 0.0])
    target[1, :3] = torch.tensor([0.0, 1.0, 1.0])
    inputs = {"logits": logits, "target": target}
    return g.case(name, "binary_cross_entropy_with_logits", {"reduction": "none"}, inputs,
                  lambda: F.binary_cross_entropy_with_logits(inputs["logits"], inputs["target"],
                                                             reduction="none"))


def reduction_case(name, op, make_x, dim):
    g.seed_for(name)
    inputs = {"x": make_x()}
    fn = {"log_softmax": lambda: F.log_softmax(inputs["x"], dim=dim),
          "softmax": lambda: F.softmax(inputs["x"], dim=dim),
          "logsumexp": lambda: torch.logsumexp(inputs["x"], dim=dim)}[op]
    params = {"dim": dim}
    if op == "logsumexp":
        params["keepdim"] = False
    return g.case(name, op, params, inputs, fn)


def activation_inputs():
    """A grid over [-6, 6] plus random values, shaped [4, 16]; no value sits on a kink."""
    return torch.cat([torch.linspace(-6.05, 5.95, 32), torch.randn(32) * 3]).reshape(4, 16)


def activation_case(name, op, params, fn):
    g.seed_for(name)
    inputs = {"x": activation_inputs()}
    return g.case(name, op, params, inputs, lambda: fn(inputs["x"]))


def softplus_case(name):
    g.seed_for(name)
    x = activation_inputs()
    x[0, :6] = torch.tensor([-30.0, -19.0, 19.0, 20.5, 25.0, 30.0])  # around threshold 20
    inputs = {"x": x}
    return g.case(name, "softplus", {"beta": 1.0, "threshold": 20.0}, inputs,
                  lambda: F.softplus(inputs["x"], beta=1.0, threshold=20.0))


def kl_diag_gaussian_case(name):
    """KL(N(mu1, exp(logvar1)) || N(mu2, exp(logvar2))) per element, no reduction."""
    g.seed_for(name)
    inputs = {"mu1": torch.randn(3, 5), "logvar1": torch.randn(3, 5) * 0.5,
              "mu2": torch.randn(3, 5), "logvar2": torch.randn(3, 5) * 0.5}

    def fwd():
        mu1, lv1, mu2, lv2 = (inputs[k] for k in ("mu1", "logvar1", "mu2", "logvar2"))
        return 0.5 * (lv2 - lv1 + (lv1.exp() + (mu1 - mu2) ** 2) / lv2.exp() - 1)

    params = {"formula": "0.5*(logvar2 - logvar1 + (exp(logvar1) + (mu1-mu2)^2)/exp(logvar2) - 1)",
              "reduction": "none"}
    return g.case(name, "kl_diag_gaussian", params, inputs, fwd)


def kl_std_normal_case(name):
    """The VAE regulariser: KL(N(mu, exp(logvar)) || N(0, I)) summed over the last dim."""
    g.seed_for(name)
    inputs = {"mu": torch.randn(4, 6), "logvar": torch.randn(4, 6) * 0.5}
    params = {"formula": "-0.5*sum(1 + logvar - mu^2 - exp(logvar), dim=-1)", "reduction": "sum_last"}
    return g.case(name, "kl_std_normal", params, inputs,
                  lambda: -0.5 * (1 + inputs["logvar"] - inputs["mu"] ** 2
                                  - inputs["logvar"].exp()).sum(-1))


def cases():
    return [
        # conv1d
        conv_case("conv1d_dilation2", [2, 3, 10], [4, 3, 3], dilation=[2]),
        conv_case("conv1d_stride2_pad1_groups2", [2, 4, 11], [6, 2, 3], stride=[2], padding=[1],
                  groups=2),
        conv_case("conv1d_stride2_pad2_dilation2_groups2_nobias", [1, 4, 13], [4, 2, 3], bias=False,
                  stride=[2], padding=[2], dilation=[2], groups=2),
        causal_conv1d_case("causal_conv1d_k3_d2", [2, 3, 12], [4, 3, 3], dilation=2),
        causal_conv1d_case("causal_conv1d_k2_d4", [1, 2, 10], [3, 2, 2], dilation=4),
        # conv2d
        conv_case("conv2d_default", [2, 3, 6, 6], [4, 3, 3, 3]),
        conv_case("conv2d_stride2_pad1", [2, 3, 7, 7], [4, 3, 3, 3], stride=[2, 2], padding=[1, 1]),
        conv_case("conv2d_dilation2_pad2", [1, 2, 8, 8], [3, 2, 3, 3], padding=[2, 2],
                  dilation=[2, 2]),
        conv_case("conv2d_stride2_pad1_groups2", [2, 4, 7, 7], [6, 2, 3, 3], stride=[2, 2],
                  padding=[1, 1], groups=2),
        conv_case("conv2d_depthwise_mult2", [1, 3, 5, 5], [6, 1, 3, 3], padding=[1, 1], groups=3),
        conv_case("conv2d_rect_k2x3_nobias", [1, 3, 6, 7], [2, 3, 2, 3], bias=False, stride=[2, 1],
                  padding=[1, 0], dilation=[1, 2]),
        # conv_transpose2d
        conv_transpose2d_case("conv_transpose2d_default", [2, 3, 4, 4], [3, 2, 3, 3]),
        conv_transpose2d_case("conv_transpose2d_stride2_pad1_outpad1", [2, 3, 4, 4], [3, 4, 3, 3],
                              stride=(2, 2), padding=(1, 1), output_padding=(1, 1)),
        conv_transpose2d_case("conv_transpose2d_stride2_groups2", [1, 4, 3, 3], [4, 3, 3, 3],
                              stride=(2, 2), groups=2),
        conv_transpose2d_case("conv_transpose2d_dilation2_pad1", [1, 2, 4, 4], [2, 3, 3, 3],
                              padding=(1, 1), dilation=(2, 2)),
        conv_transpose2d_case("conv_transpose2d_k4_s2_p1", [2, 4, 3, 3], [4, 2, 4, 4],
                              stride=(2, 2), padding=(1, 1)),
        conv_transpose2d_case("conv_transpose2d_rect_groups2_outpad", [1, 4, 3, 4], [4, 2, 3, 2],
                              stride=(2, 3), padding=(1, 0), output_padding=(1, 2), groups=2),
        # pooling
        pool_case("max_pool2d_k2", "max_pool2d", [2, 3, 6, 6], [2, 2], [2, 2], [0, 0]),
        pool_case("max_pool2d_k3_s2_p1", "max_pool2d", [1, 2, 7, 7], [3, 3], [2, 2], [1, 1]),
        pool_case("max_pool2d_k3_s1", "max_pool2d", [1, 2, 5, 5], [3, 3], [1, 1], [0, 0]),
        pool_case("avg_pool2d_k2", "avg_pool2d", [2, 3, 6, 6], [2, 2], [2, 2], [0, 0]),
        pool_case("avg_pool2d_k3_s2_p1", "avg_pool2d", [1, 2, 7, 7], [3, 3], [2, 2], [1, 1]),
        # upsampling
        upsample_case("upsample_nearest_x2", [2, 3, 4, 5], [8, 10], "nearest"),
        upsample_case("upsample_bilinear_x2_align_false", [1, 2, 4, 5], [8, 10], "bilinear", False),
        upsample_case("upsample_bilinear_size7x9_align_false", [1, 2, 4, 5], [7, 9], "bilinear",
                      False),
        upsample_case("upsample_bilinear_size7x9_align_true", [1, 2, 4, 5], [7, 9], "bilinear", True),
        # attention
        attention_case("sdpa_nomask", 5, 6),
        attention_case("sdpa_causal", 5, 5, causal=True),
        attention_case("sdpa_bool_mask", 4, 6, mask=[[1, 1, 0, 1, 0, 0],
                                                     [0, 1, 1, 1, 1, 1],
                                                     [1, 0, 0, 0, 0, 0],
                                                     [1, 1, 1, 0, 0, 1]]),
        # losses
        cross_entropy_indices_case("cross_entropy_indices"),
        cross_entropy_soft_case("cross_entropy_soft_targets"),
        bce_with_logits_case("bce_with_logits"),
        # reductions along a dim
        reduction_case("log_softmax_last", "log_softmax",
                       lambda: torch.tensor([[100.0, 99.0, -50.0, 0.0, 1.0, 2.0, 3.0]]).repeat(3, 1)
                       + torch.arange(21.0).reshape(3, 7) * 0.1, -1),
        reduction_case("log_softmax_dim1", "log_softmax", lambda: torch.randn(2, 4, 3) * 2, 1),
        reduction_case("softmax_last", "softmax", lambda: torch.randn(3, 7) * 2, -1),
        reduction_case("logsumexp_last", "logsumexp",
                       lambda: torch.tensor([[80.0, 79.5, -80.0, 0.0, 3.0, -2.0, 1.0]]).repeat(3, 1)
                       - torch.arange(21.0).reshape(3, 7) * 0.2, -1),
        reduction_case("logsumexp_dim0", "logsumexp", lambda: torch.randn(4, 5) * 2, 0),
        # elementwise activations
        activation_case("gelu_erf", "gelu", {"approximate": "none"},
                        lambda x: F.gelu(x, approximate="none")),
        activation_case("gelu_tanh", "gelu", {"approximate": "tanh"},
                        lambda x: F.gelu(x, approximate="tanh")),
        softplus_case("softplus"),
        activation_case("elu", "elu", {"alpha": 1.0}, lambda x: F.elu(x, alpha=1.0)),
        # Gaussian KL divergences
        kl_diag_gaussian_case("kl_diag_gaussian"),
        kl_std_normal_case("kl_std_normal"),
    ]


def main():
    torch.set_num_threads(1)  # one thread: the reduction order, hence the values, never varies
    g.write_json(OUT, {"torch_version": g.torch_version(), "cases": cases()})
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
