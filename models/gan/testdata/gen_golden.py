"""Golden values for models/gan tests, computed with PyTorch.

Run from the repository root: /usr/bin/python3 models/gan/testdata/gen_golden.py
It writes models/gan/testdata/golden.json; the Go tests only read that file.

The critic is functional so both sides build it from the same numbers:
score(x) = leaky_relu(conv2d(x, cw, cb, padding=1), 0.2).flatten(1) @ lw + lb
with x [3, 1, 4, 4], cw [2, 1, 3, 3], lw [32, 1].
"""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(0)
out = {}


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


# Loss formulas on fixed logits (label smoothing 0.1 for the smoothed case).
real = torch.tensor([1.5, -0.5, 0.25, 3.0])
fake = torch.tensor([-1.0, 2.0, 0.0, -4.0])
bce = F.binary_cross_entropy_with_logits
ones, zeros = torch.ones(4), torch.zeros(4)
d = {
    "vanilla": bce(real, ones) + bce(fake, zeros),
    "non_saturating": bce(real, ones) + bce(fake, zeros),
    "least_squares": 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake ** 2).mean(),
    "wasserstein": fake.mean() - real.mean(),
    "hinge": F.relu(1 - real).mean() + F.relu(1 + fake).mean(),
}
g = {
    "vanilla": -bce(fake, zeros),
    "non_saturating": bce(fake, ones),
    "least_squares": 0.5 * ((fake - 1) ** 2).mean(),
    "wasserstein": -fake.mean(),
    "hinge": -fake.mean(),
}
t = 0.9
d_smooth = {
    "vanilla": bce(real, torch.full((4,), t)) + bce(fake, zeros),
    "least_squares": 0.5 * ((real - t) ** 2).mean() + 0.5 * (fake ** 2).mean(),
}
out["losses"] = {
    "real": flat(real), "fake": flat(fake), "label_smoothing": 0.1,
    "discriminator": {k: float(v) for k, v in d.items()},
    "generator": {k: float(v) for k, v in g.items()},
    "discriminator_smoothed": {k: float(v) for k, v in d_smooth.items()},
}

# Gradient penalty of a small conv critic, and its gradient with respect to
# the critic's parameters (double backward).
x_real = torch.rand(3, 1, 4, 4)
x_fake = torch.randn(3, 1, 4, 4)
eps = torch.rand(3)
cw = (0.5 * torch.randn(2, 1, 3, 3)).requires_grad_()
cb = (0.1 * torch.randn(2)).requires_grad_()
lw = (0.3 * torch.randn(32, 1)).requires_grad_()
lb = (0.1 * torch.randn(1)).requires_grad_()


def score(x):
    h = F.leaky_relu(F.conv2d(x, cw, cb, padding=1), 0.2)
    return (h.flatten(1) @ lw + lb).reshape(-1)


e = eps.reshape(3, 1, 1, 1)
xhat = (e * x_real + (1 - e) * x_fake).requires_grad_()
grad, = torch.autograd.grad(score(xhat).sum(), xhat, create_graph=True)
norm = torch.sqrt((grad.flatten(1) ** 2).sum(1) + 1e-12)
gp = ((norm - 1) ** 2).mean()
params = [cw, cb, lw, lb]
gcw, gcb, glw, glb = [torch.zeros_like(p) if g is None else g
                      for p, g in zip(params, torch.autograd.grad(gp, params, allow_unused=True))]
out["gradient_penalty"] = {
    "x_real": flat(x_real), "x_fake": flat(x_fake), "eps": flat(eps),
    "conv_weight": flat(cw), "conv_bias": flat(cb), "linear_weight": flat(lw), "linear_bias": flat(lb),
    "penalty": float(gp),
    "grad_conv_weight": flat(gcw), "grad_conv_bias": flat(gcb),
    "grad_linear_weight": flat(glw), "grad_linear_bias": flat(glb),
}
out["torch_version"] = torch.__version__

with open("models/gan/testdata/golden.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
