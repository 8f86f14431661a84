#!/usr/bin/env python3
"""How far PyTorch's own float16 autocast lands from the float64 reference, on the golden inputs.

The expected error of a float16 prompt-tuning step: the same models, prompt and batches as
scripts/golden/make_golden.py (whose float64 values are test/fixtures/golden/tiny_models.json),
run with float32 parameters under torch.autocast(dtype=torch.float16), the way mixed-precision
training runs on a GPU (float16 matmuls, float32 softmax / norms / loss). Our fp16 graphs
(src/engine/onnx/half_precision.ts) are tested against the same float64 values with a tolerance
derived from these numbers (test/integration/webgpu/fp16_webgpu.test.ts).

    npx tsx test/fixtures/tiny/write_tiny_models.ts /tmp/tiny-models
    python3 scripts/fp16/autocast_error.py /tmp/tiny-models > test/fixtures/golden/fp16_autocast_error.json

Optional second argument: the stories260K folder (default ../shared/models/stories260K).
Autocast runs on the CPU here (torch 2.x supports float16 autocast on the CPU with the same op
lists as CUDA); bfloat16 autocast is recorded too for scale.
"""
from __future__ import annotations

import json
import os
import platform
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
import make_golden as mg  # noqa: E402
from transformers import AutoModelForCausalLM  # noqa: E402
import tokenizers  # noqa: E402


def rel_errors(path: str, prompt, ids, mask, labels, golden: dict, dtype) -> dict:
    model = AutoModelForCausalLM.from_pretrained(path, attn_implementation="eager").to(torch.float32)
    model.eval()
    with torch.autocast(device_type="cpu", dtype=dtype):
        _, loss, _, grad, _ = mg.run_manual(model, prompt.to(torch.float32), ids, mask, labels)
    ref_grad = torch.tensor(golden["grad_prompt"]["data"], dtype=torch.float64)
    g = grad.to(torch.float64).reshape(-1)
    return {
        "loss": float(loss),
        "loss_rel_err": abs(float(loss) - golden["loss"]) / abs(golden["loss"]),
        "grad_rel_err": float((g - ref_grad).abs().max() / ref_grad.abs().max()),
    }


def main() -> None:
    tiny_dir = sys.argv[1]
    repo_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    stories = sys.argv[2] if len(sys.argv) > 2 else os.path.join(repo_root, "..", "shared", "models", "stories260K")
    with open(os.path.join(repo_root, "test", "fixtures", "golden", "tiny_models.json")) as f:
        golden = json.load(f)["models"]
    out: dict[str, dict] = {}
    for v in mg.VARIANTS:
        path = os.path.join(tiny_dir, v)
        with open(os.path.join(path, "config.json")) as f:
            raw = json.load(f)
        d = raw.get("hidden_size", raw.get("n_embd"))
        ids, mask, labels = mg.make_batch(raw["vocab_size"])
        prompt = mg.make_prompt(mg.N_VIRTUAL, d)
        out[v] = {k: rel_errors(path, prompt, ids, mask, labels, golden[v], dt) for k, dt in (("fp16", torch.float16), ("bf16", torch.bfloat16))}
        print(v, out[v], file=sys.stderr)
    g = golden["stories260K"]
    tok = tokenizers.Tokenizer.from_file(os.path.join(stories, "tokenizer.json"))
    in_ids = tok.encode(g["example"]["input"], add_special_tokens=True).ids
    out_ids = tok.encode(g["example"]["output"], add_special_tokens=False).ids
    ids = [in_ids + out_ids]
    with open(os.path.join(stories, "config.json")) as f:
        d = json.load(f)["hidden_size"]
    prompt = mg.make_prompt(mg.N_VIRTUAL, d)
    out["stories260K"] = {k: rel_errors(stories, prompt, ids, [[1] * len(ids[0])], [[-100] * len(in_ids) + out_ids], g, dt) for k, dt in (("fp16", torch.float16), ("bf16", torch.bfloat16))}
    print("stories260K", out["stories260K"], file=sys.stderr)
    doc = {
        "generator": {"script": "scripts/fp16/autocast_error.py", "python": platform.python_version(), "torch": torch.__version__},
        "conventions": "per model: PyTorch autocast (float32 parameters, CPU) loss and d loss / d prompt against the "
        "float64 golden values of tiny_models.json; loss_rel_err = |dloss| / |loss|, grad_rel_err = max |dgrad| / max |grad|",
        "models": out,
    }
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
