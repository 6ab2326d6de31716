"""Golden values of the tabular metrics, from numpy and scipy.

Run with Debian's /usr/bin/python3 (numpy 1.24, scipy 1.10):
    /usr/bin/python3 gen_golden.py > golden.json
The Go tests read golden.json and never run Python.
"""
import json

import numpy as np
from scipy.spatial.distance import cdist
from scipy.stats import ks_2samp

rng = np.random.default_rng(20240601)
cases = {}

# KS: continuous samples, samples with ties, different sizes.
ks = []
for name, a, b in [
    ("normal_shift", rng.normal(0, 1, 50), rng.normal(0.5, 1.3, 70)),
    ("ties", rng.integers(0, 5, 40).astype(float), rng.integers(1, 6, 33).astype(float)),
    ("same_law", rng.exponential(1.0, 200), rng.exponential(1.0, 150)),
]:
    ks.append({"name": name, "a": a.tolist(), "b": b.tolist(), "statistic": float(ks_2samp(a, b).statistic)})
cases["ks"] = ks

# TVD of category frequencies.
a = rng.integers(0, 4, 60)
b = rng.integers(0, 4, 45)
pa = np.bincount(a, minlength=4) / len(a)
pb = np.bincount(b, minlength=4) / len(b)
cases["tvd"] = {"a": a.tolist(), "b": b.tolist(), "k": 4, "value": float(0.5 * np.abs(pa - pb).sum())}

# Correlation matrices and their difference.
d = 5
cov = np.array([[1, .6, .2, 0, -.3], [.6, 1, .1, 0, 0], [.2, .1, 1, .4, 0], [0, 0, .4, 1, .5], [-.3, 0, 0, .5, 1]])
x = rng.multivariate_normal(np.zeros(d), cov, 80).astype(np.float32)
y = rng.normal(0, 1, (60, d)).astype(np.float32)
cx = np.corrcoef(x.astype(np.float64), rowvar=False)
cy = np.corrcoef(y.astype(np.float64), rowvar=False)
diff = cx - cy
iu = np.triu_indices(d, 1)
cases["correlation"] = {
    "d": d, "x": x.ravel().tolist(), "y": y.ravel().tolist(),
    "corr_x": cx.ravel().tolist(), "frobenius": float(np.linalg.norm(diff)),
    "mean_abs": float(np.abs(diff[iu]).mean()),
}

# Distance to closest record and quantiles.
q = rng.normal(0, 1, (30, 4)).astype(np.float32)
r = rng.normal(0.2, 1, (45, 4)).astype(np.float32)
dcr = cdist(q.astype(np.float64), r.astype(np.float64)).min(axis=1)
cases["dcr"] = {
    "d": 4, "query": q.ravel().tolist(), "reference": r.ravel().tolist(), "distances": dcr.tolist(),
    "median": float(np.quantile(dcr, 0.5)), "p5": float(np.quantile(dcr, 0.05)),
}

print(json.dumps(cases))
