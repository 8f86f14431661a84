#!/usr/bin/env python3
"""Golden prompt-tuning values from the real Hugging Face stack for the tiny test models.

How to run (dev-time only; neither the app nor CI needs Python):

    npx tsx test/fixtures/tiny/write_tiny_models.ts /tmp/tiny-models
    python3 scripts/golden/make_golden.py /tmp/tiny-models > test/fixtures/golden/tiny_models.json

Optional second argument: the stories260K folder (default: the built-in copy,
resources/models/stories260K).

Versions used to produce the committed JSON: Python 3.11.7, torch 2.13.0+cpu,
transformers 5.18.0, peft 0.21.0, tokenizers 0.23.2, safetensors, numpy
(the exact versions are also written into the JSON under "generator").

What is computed, per model (PEFT PROMPT_TUNING semantics for CAUSAL_LM):
  inputs_embeds  = concat(P broadcast over the batch, embed(input_ids))   [B, n+L, d]
  attention_mask = concat(ones(B, n), attention_mask)
  labels         = concat(full(B, n, -100), labels)
  position ids   = transformers' default 0..n+L-1 (the prompt takes 0..n-1)
  loss           = token-level mean cross-entropy over labels != -100 with the usual
                   causal shift (logits at t predict labels at t+1)
  grad_prompt    = d(loss)/dP by autograd.
The model runs with attn_implementation="eager" and every parameter cast to float64.

Float64 caveat: transformers 5.18 forces some computations to float32 even in a float64
model (RMSNorm upcasts/downcasts through float32, RoPE inv_freq and cos/sin are computed in
float32, eager attention's softmax uses dtype=float32, ForCausalLMLoss does logits.float()).
The golden values are computed with those four spots patched to stay in float64 (the
patches below are minimal copies of transformers' own code with the float32 casts removed),
so they are float64-exact references. The unpatched stack is also run and its distance from
the golden values is recorded under "checks" (it is ~1e-7 relative: float32 rounding).
PEFT's own PeftModelForCausalLM is run (with the same patches) and must agree to 1e-10.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import warnings

import numpy as np
import torch
import torch.nn.functional as F

warnings.filterwarnings("ignore")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import peft  # noqa: E402
import tokenizers  # noqa: E402
import transformers  # noqa: E402
from peft import PromptTuningConfig, get_peft_model  # noqa: E402
from transformers import AutoConfig, AutoModelForCausalLM  # noqa: E402
from transformers.loss import loss_utils  # noqa: E402

transformers.logging.set_verbosity_error()
torch.manual_seed(0)

VARIANTS = [
    "llama", "llama3", "mistral", "qwen2", "qwen3", "gpt2", "llama_untied", "llama_bf16", "llama_f16",
    "llama_linear", "llama_dynamic", "llama_yarn",
]
# Variants whose config.json is also re-saved by transformers 5 (`rope_parameters`, `layer_types`,
# explicit head_dim, ...): golden values for the same weights in the transformers-5 layout,
# recorded as "<variant>@transformers5" with the config.json transformers wrote.
V5_LAYOUT_VARIANTS = ["llama", "llama3", "mistral", "qwen2", "qwen3", "llama_linear", "llama_dynamic", "llama_yarn"]
N_VIRTUAL = 3
SEQ_LENS = [9, 6]
PAD_ID = 0
N_LABELLED = 4  # the last 4 real tokens of each sequence carry labels


# ----------------------------------------------------------------------------------------
# Fixed inputs

def make_prompt(n: int, d: int) -> torch.Tensor:
    """P[i, j] = 0.1 * sin(1 + 0.37 i + 0.11 j), float64."""
    return torch.tensor(
        [[0.1 * math.sin(1.0 + i * 0.37 + j * 0.11) for j in range(d)] for i in range(n)], dtype=torch.float64
    )


def make_batch(vocab: int):
    """Right-padded batch: ids[b][t] = 3 + (5 t^2 + 7 t + 13 b + 1) mod (vocab - 3)."""
    max_len = max(SEQ_LENS)
    ids, mask, labels = [], [], []
    for b, length in enumerate(SEQ_LENS):
        row = [3 + (5 * t * t + 7 * t + 13 * b + 1) % (vocab - 3) for t in range(length)]
        ids.append(row + [PAD_ID] * (max_len - length))
        mask.append([1] * length + [0] * (max_len - length))
        labels.append([-100] * (length - N_LABELLED) + row[length - N_LABELLED:] + [-100] * (max_len - length))
    return ids, mask, labels


# ----------------------------------------------------------------------------------------
# float64 patches (see module docstring)

def _rmsnorm64_forward(self, hidden_states):
    variance = hidden_states.pow(2).mean(-1, keepdim=True)
    return self.weight * (hidden_states * torch.rsqrt(variance + self.variance_epsilon))


def _inv_freq64(rope_params: dict, head_dim: int, max_positions: int) -> torch.Tensor:
    base = float(rope_params["rope_theta"])
    dim = int(head_dim * rope_params.get("partial_rotary_factor", 1.0))
    rope_type = rope_params.get("rope_type", "default")
    if rope_type == "dynamic":  # _compute_dynamic_ntk_parameters at seq_len = max_position_embeddings
        factor = float(rope_params["factor"])
        base = base * ((factor * max_positions / max_positions) - (factor - 1)) ** (dim / (dim - 2))
    inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim))
    if rope_type in ("default", "dynamic"):
        return inv_freq
    if rope_type == "linear":
        return inv_freq / float(rope_params["factor"])
    if rope_type == "yarn":  # same formula as transformers' _compute_yarn_parameters, in float64
        factor = float(rope_params["factor"])
        old_ctx = float(rope_params["original_max_position_embeddings"])
        beta_fast = rope_params.get("beta_fast") or 32
        beta_slow = rope_params.get("beta_slow") or 1

        def corr(rot):
            return (dim * math.log(old_ctx / (rot * 2 * math.pi))) / (2 * math.log(base))

        low, high = corr(beta_fast), corr(beta_slow)
        if rope_params.get("truncate", True):
            low, high = math.floor(low), math.ceil(high)
        low, high = max(low, 0), min(high, dim - 1)
        if low == high:
            high += 0.001
        ramp = torch.clamp((torch.arange(dim // 2, dtype=torch.float64) - low) / (high - low), 0, 1)
        extra = 1 - ramp
        pos_freqs = base ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim)
        return (1.0 / (factor * pos_freqs)) * (1 - extra) + (1.0 / pos_freqs) * extra
    if rope_type == "llama3":  # same formula as transformers' _compute_llama3_parameters
        factor = float(rope_params["factor"])
        low = float(rope_params["low_freq_factor"])
        high = float(rope_params["high_freq_factor"])
        old_ctx = float(rope_params["original_max_position_embeddings"])
        low_wl, high_wl = old_ctx / low, old_ctx / high
        wavelen = 2 * math.pi / inv_freq
        out = torch.where(wavelen > low_wl, inv_freq / factor, inv_freq)
        smooth = (old_ctx / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * out / factor + smooth * out
        is_medium = ~(wavelen < high_wl) * ~(wavelen > low_wl)
        return torch.where(is_medium, smoothed, out)
    raise NotImplementedError(rope_type)


def _rotary64_forward(self, x, position_ids):
    inv = self._inv_freq64
    freqs = position_ids[:, :, None].to(torch.float64) * inv[None, None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    return (emb.cos() * self.attention_scaling).to(x.dtype), (emb.sin() * self.attention_scaling).to(x.dtype)


_orig_softmax = F.softmax


def _softmax64(input, dim=None, _stacklevel=3, dtype=None):  # noqa: A002
    if dtype == torch.float32 and input.dtype == torch.float64:
        dtype = None
    return _orig_softmax(input, dim=dim, dtype=dtype)


def _causal_lm_loss64(logits, labels, vocab_size, num_items_in_batch=None, ignore_index=-100, shift_labels=None, **kw):
    if logits.dtype != torch.float64:
        logits = logits.float()
    if shift_labels is None:
        labels = F.pad(labels, (0, 1), value=ignore_index)
        shift_labels = labels[..., 1:].contiguous()
    logits = logits.view(-1, vocab_size)
    shift_labels = shift_labels.view(-1).to(logits.device)
    return loss_utils.fixed_cross_entropy(logits, shift_labels, num_items_in_batch, ignore_index, **kw)


@contextlib.contextmanager
def float64_patches(model):
    """Patch RMSNorm/rotary modules of `model`, softmax and the causal-LM loss."""
    saved = []
    for mod in model.modules():
        name = type(mod).__name__
        if name.endswith("RMSNorm"):
            saved.append((mod, "forward", mod.forward))
            mod.forward = _rmsnorm64_forward.__get__(mod)
        elif name.endswith("RotaryEmbedding"):
            cfg = mod.config
            head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
            inv64 = _inv_freq64(cfg.rope_parameters, head_dim, cfg.max_position_embeddings)
            # sanity: equals transformers' own float32 inv_freq up to float32 rounding
            assert torch.allclose(inv64, mod.inv_freq.to(torch.float64), rtol=1e-6, atol=0), (inv64, mod.inv_freq)
            mod._inv_freq64 = inv64
            saved.append((mod, "forward", mod.forward))
            mod.forward = _rotary64_forward.__get__(mod)
    old_loss = loss_utils.LOSS_MAPPING["ForCausalLM"]
    loss_utils.LOSS_MAPPING["ForCausalLM"] = _causal_lm_loss64
    F.softmax = _softmax64
    torch.nn.functional.softmax = _softmax64
    try:
        yield
    finally:
        F.softmax = _orig_softmax
        torch.nn.functional.softmax = _orig_softmax
        loss_utils.LOSS_MAPPING["ForCausalLM"] = old_loss
        for mod, attr, fn in saved:
            setattr(mod, attr, fn)


# ----------------------------------------------------------------------------------------

def load(path: str, **config_overrides):
    model = AutoModelForCausalLM.from_pretrained(path, attn_implementation="eager", **config_overrides)
    model = model.to(torch.float64)
    model.eval()
    return model


def run_manual(model, prompt: torch.Tensor, ids, mask, labels):
    """Our own reading of PEFT prompt tuning; returns logits, model loss, manual loss, grad."""
    ids_t = torch.tensor(ids, dtype=torch.long)
    mask_t = torch.tensor(mask, dtype=torch.long)
    labels_t = torch.tensor(labels, dtype=torch.long)
    b = ids_t.shape[0]
    p = prompt.clone().requires_grad_(True)
    embeds = torch.cat([p.unsqueeze(0).expand(b, -1, -1), model.get_input_embeddings()(ids_t)], dim=1)
    full_mask = torch.cat([torch.ones(b, N_VIRTUAL, dtype=torch.long), mask_t], dim=1)
    full_labels = torch.cat([torch.full((b, N_VIRTUAL), -100, dtype=torch.long), labels_t], dim=1)
    out = model(inputs_embeds=embeds, attention_mask=full_mask, labels=full_labels)
    logits = out.logits
    # independent loss: shift, token-level mean over labelled tokens, float64
    lg = logits[:, :-1, :].reshape(-1, logits.shape[-1])
    tg = full_labels[:, 1:].reshape(-1)
    keep = tg != -100
    manual = -torch.log_softmax(lg[keep], dim=-1).gather(1, tg[keep][:, None]).mean()
    out.loss.backward()
    return logits.detach(), out.loss.detach(), manual.detach(), p.grad.detach().clone(), full_mask


def run_peft(path: str, prompt: torch.Tensor, ids, mask, labels, patched: bool):
    model = load(path)
    pm = get_peft_model(
        model, PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=N_VIRTUAL, prompt_tuning_init="RANDOM")
    )
    pm.eval()
    emb = pm.prompt_encoder["default"].embedding
    emb.to(torch.float64)
    with torch.no_grad():
        emb.weight.copy_(prompt)
    ctx = float64_patches(pm) if patched else contextlib.nullcontext()
    with ctx:
        out = pm(
            input_ids=torch.tensor(ids, dtype=torch.long),
            attention_mask=torch.tensor(mask, dtype=torch.long),
            labels=torch.tensor(labels, dtype=torch.long),
        )
        out.loss.backward()
    return out.loss.detach(), emb.weight.grad.detach().clone(), out.logits.detach()


def flat(t: torch.Tensor) -> list[float]:
    return [float(x) for x in t.detach().to(torch.float64).reshape(-1).tolist()]


def config_summary(model, path: str) -> dict:
    cfg = model.config
    with open(os.path.join(path, "config.json")) as f:
        raw = json.load(f)
    heads = cfg.num_attention_heads
    summary = {
        "model_type": cfg.model_type,
        "vocab_size": cfg.vocab_size,
        "hidden_size": cfg.hidden_size,
        "num_hidden_layers": cfg.num_hidden_layers,
        "num_attention_heads": heads,
        "num_key_value_heads": getattr(cfg, "num_key_value_heads", None) or heads,
        "head_dim": getattr(cfg, "head_dim", None) or cfg.hidden_size // heads,
        "tie_word_embeddings": bool(raw.get("tie_word_embeddings", cfg.model_type == "gpt2")),
        "torch_dtype": raw.get("torch_dtype"),
        "sliding_window_in_effect": getattr(cfg, "sliding_window", None),
        "rope_parameters": getattr(cfg, "rope_parameters", None),
    }
    return summary


def golden_for(path: str, prompt: torch.Tensor, ids, mask, labels, extra: dict | None = None) -> dict:
    model = load(path)
    with float64_patches(model):
        logits, loss, manual, grad, full_mask = run_manual(model, prompt, ids, mask, labels)
    assert abs(loss.item() - manual.item()) < 1e-12, (loss.item(), manual.item())

    # the unpatched stack (float32 islands), for the record
    model_u = load(path)
    logits_u, loss_u, _, grad_u, _ = run_manual(model_u, prompt, ids, mask, labels)

    # PEFT itself
    peft_loss, peft_grad, peft_logits = run_peft(path, prompt, ids, mask, labels, patched=True)
    peft_loss_u, _, _ = run_peft(path, prompt, ids, mask, labels, patched=False)
    assert abs(peft_loss.item() - loss.item()) < 1e-10, (peft_loss.item(), loss.item())
    assert (peft_grad - grad).abs().max().item() < 1e-10
    assert (peft_logits - logits).abs().max().item() < 1e-10

    positions = [[b, t] for b in range(full_mask.shape[0]) for t in range(full_mask.shape[1]) if full_mask[b, t] == 1]
    sel = torch.stack([logits[b, t] for b, t in positions])
    sel_u = torch.stack([logits_u[b, t] for b, t in positions])
    # every label is predicted (full position 0 is a prompt position, never labelled)
    n_labels = sum(1 for row in labels for x in row if x != -100)
    out = {
        "config": config_summary(model, path),
        "num_virtual_tokens": N_VIRTUAL,
        "prompt": {"shape": list(prompt.shape), "data": flat(prompt)},
        "input_ids": ids,
        "attention_mask": mask,
        "labels": labels,
        "pad_token_id": PAD_ID,
        "num_label_tokens": n_labels,
        "logits": {
            "positions": positions,
            "vocab_size": int(logits.shape[-1]),
            "data": flat(sel),
        },
        "loss": float(loss.item()),
        "grad_prompt": {"shape": list(grad.shape), "data": flat(grad)},
        "checks": {
            "peft_loss": float(peft_loss.item()),
            "peft_loss_abs_diff": abs(peft_loss.item() - loss.item()),
            "peft_grad_max_abs_diff": float((peft_grad - grad).abs().max().item()),
            "unpatched_hf_loss": float(loss_u.item()),
            "unpatched_hf_loss_abs_diff": abs(loss_u.item() - loss.item()),
            "unpatched_hf_logits_max_abs_diff": float((sel_u - sel).abs().max().item()),
            "unpatched_hf_grad_max_abs_diff": float((grad_u - grad).abs().max().item()),
            "unpatched_peft_loss_abs_diff_vs_unpatched_hf": abs(peft_loss_u.item() - loss_u.item()),
        },
    }
    if extra:
        out.update(extra)
    return out


def main() -> None:
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    tiny_dir = sys.argv[1]
    repo_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    stories = sys.argv[2] if len(sys.argv) > 2 else os.path.join(repo_root, "resources", "models", "stories260K")

    models: dict[str, dict] = {}
    for v in VARIANTS:
        path = os.path.join(tiny_dir, v)
        with open(os.path.join(path, "config.json")) as f:
            raw = json.load(f)
        d = raw.get("hidden_size", raw.get("n_embd"))
        prompt = make_prompt(N_VIRTUAL, d)
        ids, mask, labels = make_batch(raw["vocab_size"])
        extra = {}
        if v == "mistral":
            # show the sliding window matters for these inputs
            model_nw = load(path, sliding_window=None)
            with float64_patches(model_nw):
                _, loss_nw, _, _, _ = run_manual(model_nw, prompt, ids, mask, labels)
            extra["loss_without_sliding_window"] = float(loss_nw.item())
        models[v] = golden_for(path, prompt, ids, mask, labels, extra)
        print(f"{v}: loss {models[v]['loss']!r}", file=sys.stderr)

    # The same weights with config.json as transformers 5 saves it: must give the same numbers.
    with tempfile.TemporaryDirectory() as v5_root:
        for v in V5_LAYOUT_VARIANTS:
            src = os.path.join(tiny_dir, v)
            dst = os.path.join(v5_root, v)
            shutil.copytree(src, dst)
            os.remove(os.path.join(dst, "config.json"))
            AutoConfig.from_pretrained(src).save_pretrained(dst)
            with open(os.path.join(dst, "config.json")) as f:
                written = json.load(f)
            assert "rope_parameters" in written and "rope_theta" not in written and "rope_scaling" not in written, written
            with open(os.path.join(src, "config.json")) as f:
                raw = json.load(f)
            prompt = make_prompt(N_VIRTUAL, raw["hidden_size"])
            ids, mask, labels = make_batch(raw["vocab_size"])
            g = golden_for(dst, prompt, ids, mask, labels, {"config_json": written, "same_weights_as": v})
            assert abs(g["loss"] - models[v]["loss"]) < 1e-12, (v, g["loss"], models[v]["loss"])
            models[f"{v}@transformers5"] = g
            print(f"{v}@transformers5: loss {g['loss']!r}", file=sys.stderr)

    if os.path.isdir(stories):
        tok = tokenizers.Tokenizer.from_file(os.path.join(stories, "tokenizer.json"))
        input_text, output_text = "Once upon a time, there was a little", "girl named Lily."
        in_ids = tok.encode(input_text, add_special_tokens=True).ids
        out_ids = tok.encode(output_text, add_special_tokens=False).ids
        ids = [in_ids + out_ids]
        mask = [[1] * len(ids[0])]
        labels = [[-100] * len(in_ids) + out_ids]
        with open(os.path.join(stories, "config.json")) as f:
            d = json.load(f)["hidden_size"]
        prompt = make_prompt(N_VIRTUAL, d)
        models["stories260K"] = golden_for(
            stories, prompt, ids, mask, labels, {"example": {"input": input_text, "output": output_text}}
        )
        print(f"stories260K: loss {models['stories260K']['loss']!r}", file=sys.stderr)
    else:
        print(f"warning: {stories} not found; stories260K skipped", file=sys.stderr)

    doc = {
        "generator": {
            "script": "scripts/golden/make_golden.py",
            "python": platform.python_version(),
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "peft": peft.__version__,
            "tokenizers": tokenizers.__version__,
            "numpy": np.__version__,
        },
        "conventions": {
            "semantics": "PEFT PROMPT_TUNING, CAUSAL_LM: inputs_embeds = concat(prompt broadcast over batch, "
            "embed(input_ids)); attention_mask = concat(ones(n), attention_mask); labels = concat(-100 x n, labels); "
            "position ids 0..n+L-1; loss = token-level mean cross-entropy over labels != -100 after the causal shift "
            "(logits at full position t predict full label t+1); grad_prompt = d loss / d prompt.",
            "precision": "float64 throughout (transformers' float32 casts in RMSNorm, RoPE, eager softmax and the "
            "loss patched out); 'checks.unpatched_hf_*' give the distance to the unpatched float32-island stack.",
            "layout": "prompt/grad_prompt: row-major [num_virtual_tokens, hidden]; input_ids/attention_mask/labels: "
            "[batch][seq] right-padded with pad_token_id; logits.positions: [batch, position in the full sequence "
            "(prompt included)] for every position whose full attention mask is 1, in row-major order; "
            "logits.data: row-major [len(positions), vocab_size].",
            "prompt_formula": "prompt[i][j] = 0.1 * sin(1 + 0.37 i + 0.11 j)",
            "tiny_models": "written by `npx tsx test/fixtures/tiny/write_tiny_models.ts DIR` "
            "(test/fixtures/tiny/tiny_models.ts)",
        },
        "models": models,
    }
    json.dump(doc, sys.stdout, indent=None, separators=(",", ":"))
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
