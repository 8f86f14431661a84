/**
 * Random-weight Hugging Face folders with the exact shapes of the models the device bench
 * compares on (SmolLM2-135M, Qwen2.5-0.5B, Qwen2.5-1.5B), plus two tiny shapes for a run on
 * lavapipe. Weights are BF16 (as those checkpoints ship), uniform in ±0.035 (std 0.02) from a
 * seeded PRNG; norm scales are 1. The tokenizer is the tiny test BPE: the bench feeds ids.
 * Written tensor by tensor in chunks to a temporary name, then renamed.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../../src/shared/mulberry32.js';
import { tokenizerJson } from '../synthetic_model.js';

export interface ModelShape {
  modelType: 'llama' | 'qwen2';
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  kvHeads: number;
  vocab: number;
  ropeTheta: number;
  eps: number;
  /** The bench batch for this shape: B × (virtual + L) tokens, the last `labels` of each labelled. */
  batch: { B: number; L: number; virtual: number; labels: number };
}

const BENCH_BATCH = { B: 8, L: 128, virtual: 20, labels: 32 };

export const SHAPES: Record<string, ModelShape> = {
  'smollm2-135m': { modelType: 'llama', hidden: 576, intermediate: 1536, layers: 30, heads: 9, kvHeads: 3, vocab: 49152, ropeTheta: 100000, eps: 1e-5, batch: BENCH_BATCH },
  'qwen2.5-0.5b': { modelType: 'qwen2', hidden: 896, intermediate: 4864, layers: 24, heads: 14, kvHeads: 2, vocab: 151936, ropeTheta: 1000000, eps: 1e-6, batch: BENCH_BATCH },
  'qwen2.5-1.5b': { modelType: 'qwen2', hidden: 1536, intermediate: 8960, layers: 28, heads: 12, kvHeads: 2, vocab: 151936, ropeTheta: 1000000, eps: 1e-6, batch: BENCH_BATCH },
  // Small shapes: the whole script end to end on a software adapter (lavapipe) in a minute.
  'tiny-llama': { modelType: 'llama', hidden: 64, intermediate: 128, layers: 2, heads: 4, kvHeads: 2, vocab: 512, ropeTheta: 10000, eps: 1e-5, batch: { B: 2, L: 16, virtual: 4, labels: 4 } },
  'tiny-qwen2': { modelType: 'qwen2', hidden: 64, intermediate: 160, layers: 2, heads: 4, kvHeads: 2, vocab: 640, ropeTheta: 1000000, eps: 1e-6, batch: { B: 2, L: 16, virtual: 4, labels: 4 } },
};

export function tensorPlan(s: ModelShape): { name: string; shape: number[]; norm: boolean }[] {
  const hd = s.hidden / s.heads;
  const plan = [{ name: 'model.embed_tokens.weight', shape: [s.vocab, s.hidden], norm: false }];
  for (let i = 0; i < s.layers; i++) {
    const p = `model.layers.${i}`;
    plan.push(
      { name: `${p}.input_layernorm.weight`, shape: [s.hidden], norm: true },
      { name: `${p}.self_attn.q_proj.weight`, shape: [s.heads * hd, s.hidden], norm: false },
      { name: `${p}.self_attn.k_proj.weight`, shape: [s.kvHeads * hd, s.hidden], norm: false },
      { name: `${p}.self_attn.v_proj.weight`, shape: [s.kvHeads * hd, s.hidden], norm: false },
      { name: `${p}.self_attn.o_proj.weight`, shape: [s.hidden, s.heads * hd], norm: false },
      { name: `${p}.post_attention_layernorm.weight`, shape: [s.hidden], norm: true },
      { name: `${p}.mlp.gate_proj.weight`, shape: [s.intermediate, s.hidden], norm: false },
      { name: `${p}.mlp.up_proj.weight`, shape: [s.intermediate, s.hidden], norm: false },
      { name: `${p}.mlp.down_proj.weight`, shape: [s.hidden, s.intermediate], norm: false },
    );
    if (s.modelType === 'qwen2') {
      plan.push(
        { name: `${p}.self_attn.q_proj.bias`, shape: [s.heads * hd], norm: false },
        { name: `${p}.self_attn.k_proj.bias`, shape: [s.kvHeads * hd], norm: false },
        { name: `${p}.self_attn.v_proj.bias`, shape: [s.kvHeads * hd], norm: false },
      );
    }
  }
  plan.push({ name: 'model.norm.weight', shape: [s.hidden], norm: true });
  return plan;
}

function config(s: ModelShape): Record<string, unknown> {
  return {
    architectures: [s.modelType === 'qwen2' ? 'Qwen2ForCausalLM' : 'LlamaForCausalLM'],
    model_type: s.modelType,
    hidden_size: s.hidden,
    intermediate_size: s.intermediate,
    num_hidden_layers: s.layers,
    num_attention_heads: s.heads,
    num_key_value_heads: s.kvHeads,
    vocab_size: s.vocab,
    max_position_embeddings: 4096,
    rms_norm_eps: s.eps,
    rope_theta: s.ropeTheta,
    hidden_act: 'silu',
    tie_word_embeddings: true,
    bos_token_id: 1,
    eos_token_id: 2,
    pad_token_id: 2,
    torch_dtype: 'bfloat16',
    ...(s.modelType === 'qwen2' ? { use_sliding_window: false, sliding_window: 4096, max_window_layers: s.layers } : { attention_bias: false, mlp_bias: false }),
  };
}

const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

/** Writes the folder unless an identical one is there; returns its path. */
export function ensureShapeModel(name: string, root: string, log: (m: string) => void = () => {}): string {
  const s = SHAPES[name];
  if (!s) throw new Error(`unknown shape ${name} (one of ${Object.keys(SHAPES).join(', ')})`);
  const dir = join(root, name);
  const stamp = join(dir, 'bench-model.json');
  const wanted = json({ format: 1, shape: s });
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return dir;
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const plan = tensorPlan(s);
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const t of plan) {
    const bytes = t.shape.reduce((a, b) => a * b, 1) * 2;
    header[t.name] = { dtype: 'BF16', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let headerText = JSON.stringify(header);
  while (Buffer.byteLength(headerText) % 8 !== 0) headerText += ' ';
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(headerText)));
  const tmp = join(dir, 'model.safetensors.partial');
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, len);
    writeSync(fd, Buffer.from(headerText));
    const rand = mulberry32(0x5eed);
    const CHUNK = 1 << 20;
    const f = new Float32Array(CHUNK);
    const hi = new Uint16Array(f.buffer);
    const out = new Uint16Array(CHUNK);
    for (const t of plan) {
      let left = t.shape.reduce((a, b) => a * b, 1);
      while (left > 0) {
        const n = Math.min(CHUNK, left);
        if (t.norm) f.fill(1, 0, n);
        else for (let i = 0; i < n; i++) f[i] = (rand() - 0.5) * 0.07;
        for (let i = 0; i < n; i++) out[i] = hi[2 * i + 1]!; // bfloat16 = the high half (truncated)
        writeSync(fd, new Uint8Array(out.buffer, 0, n * 2));
        left -= n;
      }
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, 'model.safetensors'));
  writeFileSync(join(dir, 'config.json'), json(config(s)));
  writeFileSync(join(dir, 'tokenizer.json'), json(tokenizerJson()));
  writeFileSync(join(dir, 'tokenizer_config.json'), json({ tokenizer_class: 'PreTrainedTokenizerFast', bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', model_max_length: 4096 }));
  writeFileSync(stamp, wanted);
  log(`wrote ${name} (${(offset / 2 ** 30).toFixed(2)} GiB BF16) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return dir;
}
