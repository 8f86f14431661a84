#!/usr/bin/env python3
"""Golden learning rates for src/engine/tuning/schedule.ts from transformers' get_scheduler.

How to run (dev-time only):

    python3 scripts/golden/schedule_golden.py > test/fixtures/golden/schedule.json

Produced with transformers 5.18.0 / torch 2.13.0+cpu (versions written into the JSON).
Warmup steps are math.ceil(total_steps * warmup_ratio), as TrainingArguments.get_warmup_steps
computes them for a ratio. lrs[k] is the learning rate the optimiser uses for its k-th
(0-based) step: the Trainer reads it before calling scheduler.step(), so lrs[0] is the
value at construction time (0 whenever there is warmup).
"""
import json
import math
import sys

import torch
import transformers
from transformers import get_scheduler

NAMES = {"constant": "constant_with_warmup", "linear": "linear", "cosine": "cosine"}


def case(kind, base_lr, total, ratio):
    warmup = math.ceil(total * ratio)
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=base_lr)
    sched = get_scheduler(NAMES[kind], opt, num_warmup_steps=warmup, num_training_steps=total)
    lrs = []
    for _ in range(total + 2):  # two past the end: decay schedules must stay at 0
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return {"kind": kind, "base_lr": base_lr, "total_steps": total, "warmup_ratio": ratio, "warmup_steps": warmup, "lrs": lrs}


def main():
    cases = []
    for kind in ("constant", "linear", "cosine"):
        # (23, 0.05): 1.15 warmup steps → ceil gives 2 where round would give 1.
        for total, ratio in ((20, 0.1), (37, 0.07), (23, 0.05), (10, 0.0), (5, 1.0), (1, 0.5)):
            cases.append(case(kind, 0.03, total, ratio))
    json.dump({"generator": {"transformers": transformers.__version__, "torch": torch.__version__}, "cases": cases}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
