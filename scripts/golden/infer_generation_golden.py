#!/usr/bin/env python3
"""Golden values for `sps infer --data FILE` on a generation run, computed by Hugging Face
PEFT for an exported adapter (test/integration/inference/infer_generation_peft.test.ts).

    python3 scripts/golden/infer_generation_golden.py ADAPTER_DIR MODEL_DIR DATA.jsonl > OUT.json

For every line of DATA.jsonl ({"input": ..., "output": ...}), as Soft Prompt Studio defines a
generation example (DESIGN.md §3, with the templates "{input}" / "{output}"):
  - input ids  = encode(input)                                 (special tokens: BOS first)
  - reference  = encode(output, add_special_tokens=False)
  - generated  = PeftModel.generate(input ids, greedy, max_new_tokens=len(reference)), new
                 tokens only, cut before the first end token (eos / bos) as sps stops there
  - correct    = the first len(reference) generated tokens equal the reference
exact_match is the mean of `correct` over EVERY line of the file (no cap).

Tokenisation is the model's tokenizer.json run by Hugging Face `tokenizers` (the reference
implementation of that file, as sps uses it). Note: transformers 5's AutoTokenizer re-derives
this Llama tokenizer and encodes a leading space differently (" Jack" → ▁ J… instead of
▁ ▁ J…), so its reference ids for outputs that start with a space differ; the model side
(prompt, generation) is what this script checks.

The adapter is loaded exactly as a PEFT user would:
    PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(MODEL_DIR), ADAPTER_DIR)

Versions used: Python 3.11, torch 2.13.0+cpu, transformers 5.18.0, peft 0.21.0.
"""
import json
import sys

import torch
from peft import PeftModel
from tokenizers import Tokenizer
from transformers import AutoModelForCausalLM


def main() -> None:
    adapter_dir, model_dir, data_path = sys.argv[1:4]
    torch.manual_seed(0)
    tok = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
    base = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    model = PeftModel.from_pretrained(base, adapter_dir)
    model.eval()
    stops = {t for t in (base.config.eos_token_id, base.config.bos_token_id) if t is not None}
    rows = []
    with open(data_path, encoding="utf-8") as f:
        for line_no, line in enumerate(f, start=1):
            if not line.strip():
                continue
            ex = json.loads(line)
            ids = tok.encode(ex["input"]).ids
            ref = tok.encode(ex["output"], add_special_tokens=False).ids
            assert ids[0] == base.config.bos_token_id, "the input must start with BOS"

            with torch.no_grad():
                out = model.generate(
                    input_ids=torch.tensor([ids]),
                    attention_mask=torch.ones(1, len(ids), dtype=torch.long),
                    max_new_tokens=len(ref),
                    do_sample=False,
                    num_beams=1,
                    eos_token_id=sorted(stops),
                    pad_token_id=base.config.eos_token_id,
                )
            new = out[0, len(ids):].tolist()
            generated = []
            for t in new:
                if t in stops:
                    break
                generated.append(t)
            rows.append({"line": line_no, "reference": ref, "generated": generated, "correct": generated[: len(ref)] == ref})
    n = len(rows)
    print(json.dumps({
        "adapter": "test/fixtures/golden/infer_generation/adapter",
        "data": "resources/samples/story_endings.jsonl",
        "examples": n,
        "exact_match": sum(r["correct"] for r in rows) / n,
        "rows": rows,
    }, indent=1))


if __name__ == "__main__":
    main()
