#!/usr/bin/env python3
"""Writes golden_optim.json: PyTorch optimizer trajectories, gradient clipping and LR schedules.

Regenerate from the repository root with Debian's torch:
    /usr/bin/python3 optim/testdata/gen_golden_optim.py

Top-level keys:
  problems:   the two objectives the optimizers run on, with their starting parameters;
  optimizers: one entry per (optimizer, problem) with the loss and gradient at the parameters
              before each step and the parameters after each step (5 steps);
  clipping:   grads before and after clip_grad_norm_ / clip_grad_value_;
  schedules:  the learning rate in effect at steps 0..9 for each scheduler (base lr 0.1).
Tensors are {"shape", "data"} as in testdata/goldenlib.py. Parameters and trajectories are
float32 (torch's arithmetic); learning rates are float64 Python numbers.
"""
import os
import sys
import warnings

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "testdata"))
import goldenlib as g  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden_optim.json")
STEPS = 5
SCHEDULE_STEPS = 10
BASE_LR = 0.1

# name -> (torch optimizer class, hyper-parameters); every other argument is torch's default,
# restated in the JSON so the Go side need not know torch's defaults.
OPTIMIZERS = {
    "sgd": (torch.optim.SGD, {"lr": 0.1, "momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0,
                              "nesterov": False}),
    "sgd_momentum": (torch.optim.SGD, {"lr": 0.1, "momentum": 0.9, "dampening": 0.0,
                                       "weight_decay": 0.0, "nesterov": False}),
    "sgd_nesterov_wd": (torch.optim.SGD, {"lr": 0.1, "momentum": 0.9, "dampening": 0.0,
                                          "weight_decay": 0.01, "nesterov": True}),
    "adam": (torch.optim.Adam, {"lr": 1e-2, "betas": [0.9, 0.999], "eps": 1e-8,
                                "weight_decay": 0.0, "amsgrad": False}),
    "adam_l2": (torch.optim.Adam, {"lr": 1e-2, "betas": [0.9, 0.999], "eps": 1e-8,
                                   "weight_decay": 0.01, "amsgrad": False}),
    "adamw": (torch.optim.AdamW, {"lr": 1e-2, "betas": [0.9, 0.999], "eps": 1e-8,
                                  "weight_decay": 0.1, "amsgrad": False}),
    "rmsprop": (torch.optim.RMSprop, {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0,
                                      "momentum": 0.0, "centered": False}),
    "rmsprop_momentum": (torch.optim.RMSprop, {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8,
                                               "weight_decay": 0.0, "momentum": 0.9,
                                               "centered": False}),
    "rmsprop_centered": (torch.optim.RMSprop, {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8,
                                               "weight_decay": 0.0, "momentum": 0.0,
                                               "centered": True}),
}

# Update rules as torch 1.13 implements them (g = grad + weight_decay * p unless said otherwise):
NOTES = {
    "SGD": "b = momentum*b + (1-dampening)*g (b = g on the first step); "
           "step = g + momentum*b if nesterov else b; p -= lr*step",
    "Adam": "m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; "
            "p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)",
    "AdamW": "p *= 1 - lr*weight_decay first (decoupled, g = grad), then the Adam update",
    "RMSprop": "v = alpha*v + (1-alpha)*g^2; centered: a = alpha*a + (1-alpha)*g, "
               "d = sqrt(v - a^2) + eps, else d = sqrt(v) + eps; "
               "momentum > 0: b = momentum*b + g/d, p -= lr*b; else p -= lr*g/d",
}


def quadratic_problem():
    """f(p) = sum((A p - y)^2) / 2 with A [4, 3], y [4], p [3]."""
    g.seed_for("quadratic")
    a = torch.randn(4, 3) * 0.5
    y = torch.randn(4)
    p0 = torch.randn(3)
    spec = {"loss": "sum((A @ p - y)^2) / 2", "A": g.tensor_json(a), "y": g.tensor_json(y),
            "params0": {"p": g.tensor_json(p0)}}

    def loss(params):
        return ((a @ params["p"] - y) ** 2).sum() / 2

    return spec, {"p": p0}, loss


def mlp_problem():
    """A 4-8-3 MLP, tanh hidden layer, mean cross-entropy over 6 fixed samples."""
    g.seed_for("mlp")
    x = torch.randn(6, 4)
    labels = torch.tensor([0, 2, 1, 1, 0, 2])
    params0 = {"w1": torch.randn(8, 4) * 0.5, "b1": torch.randn(8) * 0.1,
               "w2": torch.randn(3, 8) * 0.5, "b2": torch.randn(3) * 0.1}
    spec = {"loss": "mean over samples of cross_entropy(logits, labels)",
            "layout": "w1 [8, 4] and w2 [3, 8] are [out, in] as torch.nn.Linear stores them: "
                      "logits = tanh(x @ w1^T + b1) @ w2^T + b2",
            "x": g.tensor_json(x), "labels": labels.tolist(),
            "params0": {k: g.tensor_json(v) for k, v in params0.items()}}

    def loss(params):
        h = torch.tanh(x @ params["w1"].T + params["b1"])
        return F.cross_entropy(h @ params["w2"].T + params["b2"], labels)

    return spec, params0, loss


def trajectory(opt_name, problem_name, params0, loss_fn):
    cls, hparams = OPTIMIZERS[opt_name]
    params = {k: v.clone().requires_grad_(True) for k, v in params0.items()}
    kwargs = dict(hparams)
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    opt = cls(params.values(), **kwargs)
    steps = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = loss_fn(params)
        loss.backward()
        record = {"loss": g.f32(loss.item()),
                  "grads": {k: g.tensor_json(v.grad) for k, v in params.items()}}
        opt.step()
        record["params"] = {k: g.tensor_json(v) for k, v in params.items()}
        steps.append(record)
    return {"name": f"{opt_name}_{problem_name}", "optimizer": cls.__name__,
            "update_rule": NOTES[cls.__name__], "hparams": hparams, "problem": problem_name,
            "steps": steps}


def clip_cases():
    """Grads for two parameters, one clipped well past the limits and one left within them."""
    g.seed_for("clipping")
    big = {"w": torch.randn(3, 4) * 2, "b": torch.randn(5)}
    small = {"w": torch.randn(3, 4) * 0.05, "b": torch.randn(5) * 0.05}
    cases = []
    for tag, grads in (("large", big), ("small", small)):
        ps = {k: torch.zeros_like(v, requires_grad=True) for k, v in grads.items()}
        for k, p in ps.items():
            p.grad = grads[k].clone()
        total = torch.nn.utils.clip_grad_norm_(ps.values(), max_norm=1.0, norm_type=2.0)
        cases.append({"name": f"clip_grad_norm_{tag}", "op": "clip_grad_norm",
                      "params": {"max_norm": 1.0, "norm_type": 2.0,
                                 "rule": "total = ||all grads||_2; if total > max_norm: "
                                         "grads *= max_norm / (total + 1e-6)"},
                      "grads_before": {k: g.tensor_json(v) for k, v in grads.items()},
                      "grads_after": {k: g.tensor_json(p.grad) for k, p in ps.items()},
                      "total_norm": g.f32(total.item())})
    ps = {k: torch.zeros_like(v, requires_grad=True) for k, v in big.items()}
    for k, p in ps.items():
        p.grad = big[k].clone()
    torch.nn.utils.clip_grad_value_(ps.values(), clip_value=0.5)
    cases.append({"name": "clip_grad_value", "op": "clip_grad_value",
                  "params": {"clip_value": 0.5, "rule": "grads = clamp(grads, -0.5, 0.5)"},
                  "grads_before": {k: g.tensor_json(v) for k, v in big.items()},
                  "grads_after": {k: g.tensor_json(p.grad) for k, p in ps.items()}})
    return cases


def schedules():
    """lrs[t] is the learning rate the optimizer uses for step t (read before scheduler.step())."""
    lr = torch.optim.lr_scheduler
    makers = [
        ("step_lr", "StepLR", {"step_size": 3, "gamma": 0.5},
         lambda o: lr.StepLR(o, step_size=3, gamma=0.5)),
        ("exponential_lr", "ExponentialLR", {"gamma": 0.9},
         lambda o: lr.ExponentialLR(o, gamma=0.9)),
        ("cosine_annealing_lr", "CosineAnnealingLR", {"T_max": 10, "eta_min": 0.001},
         lambda o: lr.CosineAnnealingLR(o, T_max=10, eta_min=0.001)),
        ("linear_lr_warmup", "LinearLR",
         {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 4},
         lambda o: lr.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=4)),
        ("sequential_warmup_cosine", "SequentialLR",
         {"schedulers": [{"type": "LinearLR", "start_factor": 0.1, "end_factor": 1.0,
                          "total_iters": 4},
                         {"type": "CosineAnnealingLR", "T_max": 6, "eta_min": 0.001}],
          "milestones": [4],
          "rule": "steps 0..3 follow LinearLR; from step 4 CosineAnnealingLR restarts at "
                  "its own step 0 (lr = base lr)"},
         lambda o: lr.SequentialLR(o, [lr.LinearLR(o, start_factor=0.1, end_factor=1.0,
                                                   total_iters=4),
                                       lr.CosineAnnealingLR(o, T_max=6, eta_min=0.001)],
                                   milestones=[4])),
    ]
    # SequentialLR calls step(0) on the scheduler it switches to, which torch warns about.
    warnings.filterwarnings("ignore", message="The epoch parameter")
    out = []
    for name, kind, params, make in makers:
        p = torch.zeros(1, requires_grad=True)
        opt = torch.optim.SGD([p], lr=BASE_LR)
        sched = make(opt)
        lrs = []
        for _ in range(SCHEDULE_STEPS):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        out.append({"name": name, "scheduler": kind, "base_lr": BASE_LR, "params": params,
                    "lrs": lrs})
    return out


def main():
    torch.set_num_threads(1)  # one thread: the reduction order, hence the values, never varies
    problems, runs = {}, []
    for problem_name, make in (("quadratic", quadratic_problem), ("mlp", mlp_problem)):
        spec, params0, loss_fn = make()
        problems[problem_name] = spec
        runs.extend(trajectory(o, problem_name, params0, loss_fn) for o in OPTIMIZERS)
    g.write_json(OUT, {"torch_version": g.torch_version(), "problems": problems,
                       "optimizers": runs, "clipping": clip_cases(), "schedules": schedules()})
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
