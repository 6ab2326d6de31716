"""Shared helpers for the golden-value generators (tensor/, nn/, optim/ testdata).

The Go tests read the JSON these helpers write and never run Python.

Conventions every generator follows:
  * a tensor is {"shape": [d0, d1, ...], "data": [row-major values]}; a scalar has shape [];
  * float values are float32 results, written as the shortest decimal that turns back into
    the same float32 both when parsed straight to float32 and when parsed to float64 first;
  * every case seeds torch from a checksum of its own name, so adding, removing or reordering
    cases never changes the values of the others;
  * a case's "grads" are the gradients of sum(output * proj), with proj a fixed random tensor
    of the output's shape (weighting by proj makes every output element matter differently).
"""
import json
import subprocess
import zlib

import numpy as np
import torch


def seed_for(name):
    """Seeds torch's global generator from the case name and returns the seed."""
    seed = zlib.crc32(name.encode())
    torch.manual_seed(seed)
    return seed


def f32(v):
    """Returns the Python float to write for v rounded to float32."""
    x = np.float32(v)
    if not np.isfinite(x):
        raise ValueError(f"non-finite value {v} in golden data")
    short = float(str(x))  # numpy prints the shortest float32 round-trip decimal
    if np.float32(short) == x:  # also survives parsing to float64 then rounding to float32
        return short
    return float(x)


def tensor_json(t):
    """Returns {"shape", "data"} for a float tensor (as float32) or an integer/bool tensor (as ints)."""
    t = t.detach().contiguous()
    shape = list(t.shape)
    flat = t.reshape(-1)
    if t.dtype.is_floating_point:
        return {"shape": shape, "data": [f32(v) for v in flat.to(torch.float32).tolist()]}
    return {"shape": shape, "data": [int(v) for v in flat.tolist()]}


def case(name, op, params, inputs, forward, state=None):
    """Runs one golden case and returns its JSON object.

    inputs:  name -> tensor; floating tensors become leaves that get gradients (module
             parameters may be passed directly, they already are leaves).
    forward: zero-argument callable returning the output tensor, built from those inputs.
    state:   optional zero-argument callable returning name -> tensor of buffers (e.g. running
             statistics); it is recorded before and after the forward pass.
    """
    for t in inputs.values():
        if t.dtype.is_floating_point and not t.requires_grad:
            t.requires_grad_(True)
    out = {"name": name, "op": op, "params": params,
           "inputs": {k: tensor_json(v) for k, v in inputs.items()}}
    if state is not None:
        out["state_before"] = {k: tensor_json(v) for k, v in state().items()}
    y = forward()
    proj = torch.randn(y.shape)
    grads = torch.autograd.grad((y * proj).sum(), [v for v in inputs.values() if v.requires_grad])
    names = [k for k, v in inputs.items() if v.requires_grad]
    out["output"] = tensor_json(y)
    out["proj"] = tensor_json(proj)
    out["grads"] = {k: tensor_json(g) for k, g in zip(names, grads)}
    if state is not None:
        out["state_after"] = {k: tensor_json(v) for k, v in state().items()}
    return out


def write_json(path, obj):
    """Writes obj with each element of a top-level list on its own line (readable diffs)."""
    def dump(v):
        return json.dumps(v, allow_nan=False, separators=(",", ":"))

    parts = []
    for key, value in obj.items():
        if isinstance(value, list):
            body = ",\n".join(dump(e) for e in value)
            parts.append(f"{json.dumps(key)}: [\n{body}\n]")
        else:
            parts.append(f"{json.dumps(key)}: {dump(value)}")
    with open(path, "w") as f:
        f.write("{" + ",\n".join(parts) + "}\n")


def torch_version():
    """Describes the torch build the values came from (Debian reports 1.13.1 as 1.13.0a0)."""
    try:
        pkg = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "python3-torch"],
                             capture_output=True, text=True, check=True).stdout
        return f"{torch.__version__} (Debian python3-torch {pkg})"
    except (OSError, subprocess.CalledProcessError):
        return torch.__version__
