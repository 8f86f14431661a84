#!/usr/bin/env python3
"""PyTorch/PEFT reference for bench/train-step.bench.ts (dev-only; `npm run bench` never runs it).

Times the same train step as the TypeScript bench on the SmolLM2-135M-shaped model:
PEFT PROMPT_TUNING (20 virtual tokens) on a frozen float32 LlamaForCausalLM, batch 8 x 128
tokens, labels on the last 32 tokens of each sequence, forward + backward (grad w.r.t. the
prompt only), torch.set_num_threads(2). Writes bench/results/peft-reference.json, which the
npm bench prints next to its own numbers.

    python3 bench/reference/peft_train_step.py [model_dir] [--steps 3] [--warmup 2]

model_dir defaults to bench/.cache/smollm2-135m-shape (written by `npm run bench`).

Note: transformers computes logits for every position (B x T x V) and PEFT's loss ignores
the masked ones, whereas our graph gathers the K label rows before the LM head; both compute
the same loss and gradient.
"""
import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time

import torch
import transformers
import peft
from peft import PromptTuningConfig, TaskType, get_peft_model
from transformers import AutoModelForCausalLM

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.dirname(HERE)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir", nargs="?", default=os.path.join(BENCH, ".cache", "smollm2-135m-shape"))
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq-len", type=int, default=128)
    ap.add_argument("--virtual-tokens", type=int, default=20)
    ap.add_argument("--label-tokens", type=int, default=32, help="labels on the last N tokens; -1: every token (language modelling)")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--attn", default="sdpa", help="attn_implementation (sdpa or eager)")
    ap.add_argument("--device", default="cpu", help="cpu or cuda (GPU reference runs)")
    ap.add_argument("--no-forward", action="store_true", help="skip the no-grad forward timing")
    ap.add_argument("--out", default=os.path.join(BENCH, "results", "peft-reference.json"))
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)

    t0 = time.perf_counter()
    # Always float32 weights in torch (bf16 checkpoints are upcast on load): "PEFT-fp32".
    model = AutoModelForCausalLM.from_pretrained(a.model_dir, dtype=torch.float32, attn_implementation=a.attn)
    model = get_peft_model(model, PromptTuningConfig(task_type=TaskType.CAUSAL_LM, num_virtual_tokens=a.virtual_tokens)).to(a.device)
    model.train()  # dropout is 0 in this config; train() as PEFT training would
    load_s = time.perf_counter() - t0
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)

    V = model.config.vocab_size
    g = torch.Generator().manual_seed(1234)
    ids = torch.randint(3, V, (a.batch, a.seq_len), generator=g)
    mask = torch.ones_like(ids)
    labels = ids.clone()
    if a.label_tokens >= 0:
        labels[:, : a.seq_len - a.label_tokens] = -100
    ids, mask, labels = ids.to(a.device), mask.to(a.device), labels.to(a.device)
    sync = torch.cuda.synchronize if a.device.startswith("cuda") else (lambda: None)

    def step() -> tuple[float, float]:
        model.zero_grad(set_to_none=True)
        t = time.perf_counter()
        out = model(input_ids=ids, attention_mask=mask, labels=labels)
        out.loss.backward()
        sync()
        return (time.perf_counter() - t) * 1000, float(out.loss.detach())

    first_ms, loss = step()
    for _ in range(a.warmup - 1):
        step()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    times = [step()[0] for _ in range(a.steps)]
    cores_used = (time.process_time() - cpu0) / (time.perf_counter() - wall0)
    grad = model.prompt_encoder.default.embedding.weight.grad
    med = statistics.median(times)

    with torch.no_grad():
        fwd = []
        for i in range(0 if a.no_forward else a.steps + 1):
            t = time.perf_counter()
            model(input_ids=ids, attention_mask=mask, labels=labels)
            sync()
            if i > 0:
                fwd.append((time.perf_counter() - t) * 1000)

    T = a.virtual_tokens + a.seq_len
    res = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "model_dir": os.path.abspath(a.model_dir),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
        "attn_implementation": a.attn,
        "device": a.device,
        "batch": a.batch,
        "seq_len": a.seq_len,
        "num_virtual_tokens": a.virtual_tokens,
        "label_tokens": a.label_tokens,
        "trainable_params": trainable,
        "load_s": load_s,
        "first_step_ms": first_ms,
        "time_to_first_step_s": load_s + first_ms / 1000,
        "step_ms": times,
        "median_step_ms": med,
        "tokens_per_second": a.batch * T / (med / 1000),
        "cores_used": cores_used,
        "forward_no_grad_median_ms": statistics.median(fwd) if fwd else None,
        "loss": loss,
        "grad_norm": float(grad.norm()) if grad is not None else None,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(res, f, indent=2)
    print(json.dumps({k: v for k, v in res.items() if k != "step_ms"}, indent=2))
    print(f"wrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
