"""Generates golden.json, the reference values of metrics/golden_test.go.

Run from this directory with /usr/bin/python3 (numpy and scipy): python3 golden.py
The Go tests read the JSON and never run Python. Every value is float64.
"""
import json

import numpy as np
import scipy.linalg
import scipy.spatial


def fid(x, y):
    mx, my = x.mean(0), y.mean(0)
    cx, cy = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    covmean = scipy.linalg.sqrtm(cx @ cy).real
    return float(((mx - my) ** 2).sum() + np.trace(cx + cy - 2 * covmean))


def mmd2(x, y, kernel):
    kxx, kyy, kxy = kernel(x, x), kernel(y, y), kernel(x, y)
    m, n = len(x), len(y)
    return float((kxx.sum() - np.trace(kxx)) / (m * (m - 1))
                 + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
                 - 2 * kxy.mean())


def poly(x, y):
    return (x @ y.T / x.shape[1] + 1) ** 3


def rbf(sigma):
    return lambda x, y: np.exp(-scipy.spatial.distance.cdist(x, y, "sqeuclidean") / (2 * sigma ** 2))


def prdc(real, fake, k):
    drr = scipy.spatial.distance.cdist(real, real)
    dff = scipy.spatial.distance.cdist(fake, fake)
    drf = scipy.spatial.distance.cdist(real, fake)
    rr = np.sort(drr, axis=1)[:, k]  # column 0 is the point itself
    rf = np.sort(dff, axis=1)[:, k]
    inside = drf < rr[:, None]
    return {
        "precision": float(inside.any(axis=0).mean()),
        "recall": float((drf < rf[None, :]).any(axis=1).mean()),
        "density": float(inside.sum() / (k * len(fake))),
        "coverage": float((drf.min(axis=1) < rr).mean()),
    }


def inception_score(p, splits):
    scores = []
    for part in np.array_split(p, splits):
        py = part.mean(0, keepdims=True)
        scores.append(np.exp((part * (np.log(part) - np.log(py))).sum(1).mean()))
    return float(np.mean(scores)), float(np.std(scores))


rng = np.random.default_rng(20261126)
d = 8
x = rng.normal(size=(120, d)) @ rng.normal(size=(d, d)) * 0.5
y = rng.normal(size=(100, d)) * 1.3 + 0.4
logits = rng.normal(size=(60, 10)) * 2
p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
a = rng.normal(size=(6, 6))
sym = a + a.T
psd = a @ a.T

is_mean, is_std = inception_score(p, 3)
out = {
    "x": x.tolist(), "y": y.tolist(), "probs": p.tolist(),
    "sym": sym.reshape(-1).tolist(), "sym_eigenvalues": np.linalg.eigvalsh(sym).tolist(),
    "psd": psd.reshape(-1).tolist(), "psd_sqrt": scipy.linalg.sqrtm(psd).real.reshape(-1).tolist(),
    "fid": fid(x, y),
    "mmd2_poly": mmd2(x, y, poly),
    "mmd2_rbf_sigma2": mmd2(x, y, rbf(2.0)),
    "prdc_k5": prdc(x, y, 5),
    "inception_score_splits3": [is_mean, is_std],
}
with open("golden.json", "w") as f:
    json.dump(out, f, indent=1)
print({k: v for k, v in out.items() if k in ("fid", "mmd2_poly", "mmd2_rbf_sigma2", "prdc_k5", "inception_score_splits3")})
