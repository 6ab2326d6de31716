"""Golden values for models/diffusion tests, from the papers' formulas in
float64 torch/numpy. Run: /usr/bin/python3 gen_golden.py > golden.json"""
import json
import math

import numpy as np
import torch

T, B0, B1 = 1000, 1e-4, 0.02
IDX = [0, 1, 2, 10, 100, 500, 998, 999]


def from_alpha_bar(f):
    return torch.tensor([min(1 - f(i + 1) / f(i), 0.999) for i in range(T)], dtype=torch.float64)


def betas(kind):
    if kind == "linear":
        return torch.linspace(B0, B1, T, dtype=torch.float64)
    if kind == "quadratic":
        return torch.linspace(B0 ** 0.5, B1 ** 0.5, T, dtype=torch.float64) ** 2
    if kind == "cosine":
        s = 0.008
        return from_alpha_bar(lambda t: math.cos((t / T + s) / (1 + s) * math.pi / 2) ** 2)
    if kind == "sqrt":
        return from_alpha_bar(lambda t: 1 - math.sqrt(t / T + 1e-4))


out = {"indices": IDX, "schedules": {}}
for kind in ["linear", "cosine", "quadratic", "sqrt"]:
    b = betas(kind)
    a = 1 - b
    ab = torch.cumprod(a, 0)
    abp = torch.cat([torch.ones(1, dtype=torch.float64), ab[:-1]])
    pv = b * (1 - abp) / (1 - ab)
    plv = torch.log(torch.cat([pv[1:2], pv[1:]]))
    c1 = b * abp.sqrt() / (1 - ab)
    c2 = (1 - abp) * a.sqrt() / (1 - ab)
    pick = lambda v: [float(v[i]) for i in IDX]
    out["schedules"][kind] = {
        "betas": pick(b), "alphas_cumprod": pick(ab), "posterior_variance": pick(pv),
        "posterior_log_variance_clipped": pick(plv), "posterior_mean_coef1": pick(c1), "posterior_mean_coef2": pick(c2),
    }

# Loss fixture: linear schedule, a backbone that returns 0.5 * x_t, batch of
# 3 vectors of 4 values at timesteps [0, 250, 999].
rng = np.random.default_rng(0)
x0 = rng.standard_normal((3, 4))
noise = rng.standard_normal((3, 4))
t = [0, 250, 999]
ab = torch.cumprod(1 - betas("linear"), 0).numpy()
sa, sb = np.sqrt(ab[t])[:, None], np.sqrt(1 - ab[t])[:, None]
xt = sa * x0 + sb * noise
outp = 0.5 * xt
snr = ab[t] / (1 - ab[t])
fixture = {"x0": x0.ravel().tolist(), "noise": noise.ravel().tolist(), "t": t, "losses": {}}
targets = {"epsilon": noise, "x0": x0, "v": sa * noise - sb * x0}
for pred, target in targets.items():
    d = outp - target
    el = {"mse": d ** 2, "l1": np.abs(d),
          "huber": np.where(np.abs(d) <= 1, 0.5 * d ** 2, np.abs(d) - 0.5)}
    for lt, e in el.items():
        fixture["losses"][f"{pred}/{lt}"] = float(e.mean(1).mean())
    w = {"epsilon": np.minimum(snr, 5) / snr, "v": np.minimum(snr, 5) / (snr + 1), "x0": np.minimum(snr, 5)}[pred]
    fixture["losses"][f"{pred}/mse/minsnr5"] = float(((d ** 2).mean(1) * w).mean())
out["loss"] = fixture
print(json.dumps(out, indent=1))
