#!/usr/bin/env python3
"""Golden chat-template inputs from transformers' apply_chat_template.

How to run (dev-time only; neither the app nor CI needs Python):

    python3 scripts/golden/chat_template_golden.py > test/fixtures/golden/chat_template.json

For each template in scripts/golden/chat_templates/*.jinja (real instruct models' templates:
SmolLM2's ChatML with a default system turn, Llama 2's [INST] with bos_token and strip(),
Qwen2.5's whitespace-controlled template with a tools branch), the built-in stories260K tokenizer
is given that chat_template in tokenizer_config.json, and for each input text:
  text      = apply_chat_template([{"role": "user", "content": input}], add_generation_prompt=True, tokenize=False)
  input_ids = apply_chat_template(same, add_generation_prompt=True, tokenize=True)
  output_ids = tokenizer(output, add_special_tokens=False).input_ids
The engine must build exactly input_ids ++ output_ids for a job with task.chatTemplate.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import transformers  # noqa: E402
from transformers import AutoTokenizer  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
STORIES = os.path.join(ROOT, "resources", "models", "stories260K")
INPUTS = [
    ("Lily lost her doll and cried. The story is", "sad"),
    ("  Tom found a red ball in the park.\nHe smiled.  ", "happy"),
    ("Café au lait ☕ and \"quotes\" {braces}", "The end."),
]
# Outputs have no leading space: for a SentencePiece tokenizer the app's default verbalizers
# are "label" (README, "Note on templates"). (transformers 5's Llama tokenizer and the
# tokenizers library disagree on a leading space: " sad" is [296, 418] in the first and
# [410, 296, 418] in the second; the engine follows the tokenizers library, as make_golden.py.)


def ids_of(x):
    # transformers 5 returns a BatchEncoding (dict) when tokenize=True; 4.x a list.
    if isinstance(x, dict) or hasattr(x, "keys"):
        x = x["input_ids"]
    return [int(i) for i in x]


def main() -> None:
    templates = {}
    for name in sorted(os.listdir(os.path.join(HERE, "chat_templates"))):
        if name.endswith(".jinja"):
            with open(os.path.join(HERE, "chat_templates", name)) as f:
                templates[name[: -len(".jinja")]] = f.read()
    cases = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, source in templates.items():
            d = os.path.join(tmp, name)
            os.makedirs(d)
            for f in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
                shutil.copy(os.path.join(STORIES, f), d)
            with open(os.path.join(d, "tokenizer_config.json")) as f:
                cfg = json.load(f)
            cfg["chat_template"] = source
            with open(os.path.join(d, "tokenizer_config.json"), "w") as f:
                json.dump(cfg, f)
            tok = AutoTokenizer.from_pretrained(d)
            for text, output in INPUTS:
                messages = [{"role": "user", "content": text}]
                rendered = tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
                ids = ids_of(tok.apply_chat_template(messages, add_generation_prompt=True, tokenize=True))
                assert ids == ids_of(tok(rendered, add_special_tokens=False)), name
                cases.append({
                    "template": name,
                    "input": text,
                    "output": output,
                    "text": rendered,
                    "input_ids": ids,
                    "output_ids": ids_of(tok(output, add_special_tokens=False)),
                })
                print(f"{name}: {rendered!r}", file=sys.stderr)
    doc = {
        "generator": {"script": "scripts/golden/chat_template_golden.py", "transformers": transformers.__version__},
        "tokenizer": "resources/models/stories260K",
        "templates": templates,
        "cases": cases,
    }
    json.dump(doc, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
