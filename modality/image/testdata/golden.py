"""Generates golden.json, the reference SSIM and PSNR of modality/image's tests.

Run from this directory with /usr/bin/python3 (numpy, scipy): python3 golden.py
SSIM as in Wang et al. (2004): 11x11 Gaussian window, sigma 1.5, 'valid'
filtering, K1 = 0.01, K2 = 0.03.
"""
import json

import numpy as np
import scipy.signal


def ssim(x, y, data_range):
    g = np.exp(-(np.arange(11) - 5) ** 2 / (2 * 1.5 ** 2))
    g /= g.sum()
    win = np.outer(g, g)
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    maps = []
    for a, b in zip(x.reshape(-1, *x.shape[2:]), y.reshape(-1, *y.shape[2:])):
        f = lambda z: scipy.signal.correlate2d(z, win, mode="valid")
        mx, my = f(a), f(b)
        vx, vy, cov = f(a * a) - mx ** 2, f(b * b) - my ** 2, f(a * b) - mx * my
        maps.append((2 * mx * my + c1) * (2 * cov + c2) / ((mx ** 2 + my ** 2 + c1) * (vx + vy + c2)))
    return float(np.mean(maps))


rng = np.random.default_rng(7)
x = rng.uniform(size=(2, 3, 16, 14)).astype(np.float32)
y = np.clip(x + rng.normal(scale=0.1, size=x.shape), 0, 1).astype(np.float32)
x64, y64 = x.astype(np.float64), y.astype(np.float64)
mse = ((x64 - y64) ** 2).mean()
out = {
    "shape": list(x.shape),
    "x": x.reshape(-1).tolist(),
    "y": y.reshape(-1).tolist(),
    "ssim": ssim(x64, y64, 1.0),
    "psnr": float(10 * np.log10(1.0 / mse)),
}
with open("golden.json", "w") as f:
    json.dump(out, f)
print(out["ssim"], out["psnr"])
