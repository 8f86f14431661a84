#!/usr/bin/env python3
"""PyTorch + PEFT prompt-tuning step next to ours (bench/device/run.sh): fp32 and bf16 autocast.

For each shape folder (written by bench/device/shape_models.ts), the same step as ours: PEFT
PROMPT_TUNING, frozen model, batch B x L with labels on the last `labels` tokens, forward +
backward. Median step time, tokens/s and torch.cuda.max_memory_allocated. Without CUDA it runs
on the CPU as a stand-in (marked "device": "cpu"), so the script can be checked end to end.

    python3 bench/device/peft_device.py OUT.json MODELS_DIR SHAPE[,SHAPE...] [--steps 5]
"""
import argparse
import json
import os
import statistics
import time

import torch
from peft import PromptTuningConfig, TaskType, get_peft_model
from transformers import AutoModelForCausalLM


def run(dir_: str, shape: dict, device: str, mode: str, steps: int, warmup: int = 2) -> dict:
    b = shape["batch"]
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(dir_, dtype=torch.float32, attn_implementation="sdpa")
    model = get_peft_model(model, PromptTuningConfig(task_type=TaskType.CAUSAL_LM, num_virtual_tokens=b["virtual"])).to(device)
    model.train()
    g = torch.Generator().manual_seed(1234)
    ids = torch.randint(3, shape["vocab"], (b["B"], b["L"]), generator=g)
    labels = ids.clone()
    labels[:, : b["L"] - b["labels"]] = -100
    ids, labels = ids.to(device), labels.to(device)
    mask = torch.ones_like(ids)
    cuda = device.startswith("cuda")
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    if cuda:
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()

    def step():
        model.zero_grad(set_to_none=True)
        t = time.perf_counter()
        with torch.autocast(device_type="cuda" if cuda else "cpu", dtype=torch.bfloat16, enabled=mode == "bf16"):
            out = model(input_ids=ids, attention_mask=mask, labels=labels)
        out.loss.backward()
        sync()
        return (time.perf_counter() - t) * 1000, float(out.loss.detach())

    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        ms, loss = step()
        times.append(ms)
    med = statistics.median(times)
    res = {
        "engine": "pytorch+peft", "device": device, "precision": mode, "step_ms": times, "median_step_ms": med,
        "tokens_per_second": b["B"] * (b["virtual"] + b["L"]) / (med / 1000), "loss": loss,
        "peak_device_mib": (torch.cuda.max_memory_allocated() / 2**20) if cuda else None,
        "weights_device_mib": (base / 2**20) if cuda else None,
    }
    del model
    if cuda:
        torch.cuda.empty_cache()
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("models_dir")
    ap.add_argument("shapes")
    ap.add_argument("--steps", type=int, default=5)
    a = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    results = []
    for name in a.shapes.split(","):
        d = os.path.join(a.models_dir, name)
        # The model's shape, and the batch the device bench runs on it (shape_models.ts writes both).
        shape = {**json.load(open(os.path.join(d, "bench-model.json")))["shape"], "batch": json.load(open(os.path.join(d, "device-batch.json")))}
        for mode in ("fp32", "bf16"):
            try:
                r = run(d, shape, device, mode, a.steps)
            except Exception as e:  # noqa: BLE001 (an OOM or a missing kernel is a result too)
                r = {"engine": "pytorch+peft", "device": device, "precision": mode, "error": str(e)[:2000]}
            r["shape"] = name
            print(json.dumps({k: v for k, v in r.items() if k != "step_ms"}), flush=True)
            results.append(r)
            json.dump({"torch": torch.__version__, "cuda": torch.version.cuda, "gpu": torch.cuda.get_device_name(0) if device == "cuda" else None, "results": results}, open(a.out, "w"), indent=2)


if __name__ == "__main__":
    main()
