#!/usr/bin/env python3
"""Dev check (not run in CI): does Hugging Face PEFT load an `sps export --format peft` adapter
and behave the same as Soft Prompt Studio?

    python3 scripts/golden/peft_load_check.py ADAPTER_DIR MODEL_DIR \
        [--text "Once upon a time"] [--max-new-tokens 20] \
        [--reference RUN/exports/best.json] [--expect-ids '[...]']

It loads the adapter exactly as a PEFT user would:

    PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(MODEL_DIR), ADAPTER_DIR)

and prints one JSON object:
  - "load_messages": every Python warning and peft/transformers log record emitted while
    loading, and "missing_or_unexpected_keys": whether any of them mention missing or
    unexpected keys (a correct adapter gives none);
  - "prompt": shape/dtype of the loaded prompt embedding, and whether it equals the
    adapter_model.safetensors tensor bit for bit; with --reference (an sps .json or .npy
    export of the same checkpoint) whether it equals that prompt rounded to float32;
  - "generate_ids": PeftModel.generate greedy continuation ids of --text (tokenised with
    special tokens, i.e. BOS first, as `sps generate` does), new tokens only;
  - "manual_ids": the same continuation computed without PEFT's generate, by an explicit
    greedy loop over inputs_embeds = concat(P, embed(ids)) (no KV cache): an independent check;
  - with --expect-ids (e.g. the "ids" of `sps generate ... --json`): whether both match.
Exit status 1 when a check fails.

Versions used: Python 3.11, torch 2.13.0+cpu, transformers 5.18.0, peft 0.21.0.
"""
import argparse
import json
import logging
import sys
import warnings

import numpy as np
import torch
from safetensors.numpy import load_file
from transformers import AutoModelForCausalLM, AutoTokenizer
from peft import PeftModel


class Collect(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records = []

    def emit(self, record):
        if record.levelno >= logging.WARNING:
            self.records.append(f"{record.name}: {record.getMessage()}")


def read_reference(path):
    if path.endswith(".npy"):
        return np.load(path).astype(np.float64)
    with open(path) as f:
        j = json.load(f)
    if j.get("format") != "sps-soft-prompt":
        raise SystemExit(f"{path}: not an sps-soft-prompt JSON file")
    return np.array(j["data"], dtype=np.float64)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("adapter_dir")
    ap.add_argument("model_dir")
    ap.add_argument("--text", default="Once upon a time")
    ap.add_argument("--max-new-tokens", type=int, default=20)
    ap.add_argument("--reference", help="an sps .json or .npy export of the same checkpoint")
    ap.add_argument("--expect-ids", help="JSON list of ids (from `sps generate --json`)")
    args = ap.parse_args()

    handler = Collect()
    for name in ("peft", "transformers"):
        logging.getLogger(name).addHandler(handler)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        base = AutoModelForCausalLM.from_pretrained(args.model_dir, dtype=torch.float32)
        model = PeftModel.from_pretrained(base, args.adapter_dir)
    model.eval()
    messages = [f"{w.category.__name__}: {w.message}" for w in caught] + handler.records
    bad_keys = any(("missing" in m.lower() or "unexpected" in m.lower()) and "key" in m.lower() for m in messages)

    enc = model.prompt_encoder["default"].embedding.weight.detach().cpu().numpy()
    ours = load_file(f"{args.adapter_dir}/adapter_model.safetensors")["prompt_embeddings"]
    prompt = {
        "shape": list(enc.shape),
        "dtype": str(enc.dtype),
        "file_dtype": str(ours.dtype),
        "equals_adapter_file": bool(enc.shape == ours.shape and np.array_equal(enc, ours)),
    }
    ok = prompt["equals_adapter_file"] and not bad_keys
    if args.reference:
        ref32 = read_reference(args.reference).astype(np.float32)
        prompt["equals_reference_f32"] = bool(ref32.shape == enc.shape and np.array_equal(ref32, enc))
        ok = ok and prompt["equals_reference_f32"]

    tok = AutoTokenizer.from_pretrained(args.model_dir)
    ids = tok(args.text, add_special_tokens=True, return_tensors="pt").input_ids
    if ids.shape[1] == 0:
        ids = torch.tensor([[tok.bos_token_id]])
    eos = model.base_model.generation_config.eos_token_id
    eos_ids = set(eos if isinstance(eos, list) else ([] if eos is None else [eos]))
    if tok.eos_token_id is not None:
        eos_ids.add(tok.eos_token_id)

    with torch.no_grad():
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=args.max_new_tokens, do_sample=False)
        seq = out[0].tolist()
        # transformers returns prompt ids + new ids when generate() is given input_ids.
        gen = seq[ids.shape[1]:] if seq[: ids.shape[1]] == ids[0].tolist() else seq

        # Independent greedy loop: concat(P, embed(ids)), full recompute each step.
        P = torch.from_numpy(enc).unsqueeze(0)
        emb = model.base_model.get_input_embeddings()
        cur = ids[0].tolist()
        manual = []
        for _ in range(args.max_new_tokens):
            x = torch.cat([P, emb(torch.tensor([cur]))], dim=1)
            logits = model.base_model(inputs_embeds=x, attention_mask=torch.ones(x.shape[:2], dtype=torch.long)).logits
            nxt = int(logits[0, -1].argmax())
            manual.append(nxt)
            cur.append(nxt)
            if nxt in eos_ids:
                break

    result = {
        "adapter_dir": args.adapter_dir,
        "model_dir": args.model_dir,
        "versions": {"torch": torch.__version__, "transformers": __import__("transformers").__version__, "peft": __import__("peft").__version__},
        "load_messages": messages,
        "missing_or_unexpected_keys": bad_keys,
        "prompt": prompt,
        "text": args.text,
        "input_ids": ids[0].tolist(),
        "generate_ids": gen,
        "manual_ids": manual,
        "generate_equals_manual": gen == manual,
        "generated_text": tok.decode(gen, skip_special_tokens=True),
    }
    if args.expect_ids:
        expect = json.loads(args.expect_ids)
        result["expect_ids"] = expect
        result["generate_equals_expected"] = gen == expect
        result["manual_equals_expected"] = manual == expect
        ok = ok and gen == expect and manual == expect
    result["ok"] = bool(ok)
    print(json.dumps(result, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
