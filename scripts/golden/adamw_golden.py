#!/usr/bin/env python3
"""Golden values for src/engine/tuning/optimizer.ts (AdamW + clip_grad_norm_) from PyTorch.

How to run (dev-time only; neither the app nor CI needs Python):

    python3 scripts/golden/adamw_golden.py > test/fixtures/golden/adamw.json

Produced with Python 3.11, torch 2.13.0+cpu (the version is written into the JSON).
Everything is float64. AdamW runs with foreach=False, fused=False (the single-tensor
loop, which is also what CPU tensors use by default), so the reference is the plain
per-element update our TypeScript mirrors. Each case records the parameter after every
step and the optimiser state (m = exp_avg, v = exp_avg_sq) after the last one.
A per-step learning rate (as a scheduler would set it) is applied by writing
param_groups[0]["lr"] before each step.
"""
import json
import sys

import torch

torch.set_default_dtype(torch.float64)


def adamw_case(name, param0, grads, lrs, betas, eps, weight_decay):
    p = torch.nn.Parameter(torch.tensor(param0, dtype=torch.float64))
    opt = torch.optim.AdamW([p], lr=lrs[0], betas=betas, eps=eps, weight_decay=weight_decay, foreach=False, fused=False)
    params_after = []
    for g, lr in zip(grads, lrs):
        opt.param_groups[0]["lr"] = lr
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        params_after.append(p.detach().clone().tolist())
    st = opt.state[p]
    return {
        "name": name,
        "param0": param0,
        "grads": grads,
        "lrs": lrs,
        "betas": list(betas),
        "eps": eps,
        "weight_decay": weight_decay,
        "params_after": params_after,
        "final_state": {"step": int(st["step"].item()), "m": st["exp_avg"].tolist(), "v": st["exp_avg_sq"].tolist()},
    }


def clip_case(name, grad, max_norm):
    p = torch.nn.Parameter(torch.zeros(len(grad), dtype=torch.float64))
    p.grad = torch.tensor(grad, dtype=torch.float64)
    norm = torch.nn.utils.clip_grad_norm_([p], max_norm, foreach=False)
    return {"name": name, "grad": grad, "max_norm": max_norm, "norm": norm.item(), "clipped": p.grad.tolist()}


def main():
    gen = torch.Generator().manual_seed(1234)
    n = 12
    param0 = (torch.rand(n, generator=gen, dtype=torch.float64) - 0.5).tolist()
    grads = [(torch.randn(n, generator=gen, dtype=torch.float64) * 0.3).tolist() for _ in range(5)]
    # Include an exact zero and a sign flip in the gradients so the update hits those paths.
    grads[1][3] = 0.0
    grads[2][5] = -grads[1][5]
    cases = [
        adamw_case("constant_lr_wd", param0, grads, [0.03] * 5, (0.9, 0.999), 1e-8, 0.01),
        adamw_case("varying_lr_strong_wd", param0, grads, [0.0, 0.1, 0.3, 0.2, 0.05], (0.8, 0.95), 1e-6, 0.1),
        adamw_case("no_wd", param0, grads, [0.3] * 5, (0.9, 0.999), 1e-8, 0.0),
    ]
    clip = [
        clip_case("clipped", [3.0, -4.0, 0.0, 12.0], 1.0),
        clip_case("not_clipped", [0.1, -0.2, 0.05], 1.0),
        clip_case("random_clipped", grads[0], 0.5),
    ]
    json.dump({"generator": {"torch": torch.__version__, "python": sys.version.split()[0]}, "adamw": cases, "clip_grad_norm": clip}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
