/**
 * Random-initialised Hugging Face folders with the exact shapes of real models (SmolLM2-135M,
 * Qwen2.5-0.5B/1.5B/7B), written once into bench/.cache/ as F32 or BF16 safetensors. Weights
 * are N(0, 0.02): a block of 2^22 values drawn once from a seeded PRNG (mulberry32 +
 * Box–Muller) and cycled through at a different offset per tensor, so a 15 GB model is
 * written at disk speed; norm scales are 1, biases 0. The tokenizer is the tiny test BPE
 * (96 tokens): the bench feeds token ids directly, so it only has to load. Timing and memory do
 * not depend on the values.
 *
 * The safetensors file is written tensor by tensor in chunks (never the whole file in
 * memory) to a temporary name and renamed at the end, so an interrupted write never
 * leaves a folder that looks complete.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tinyVocab } from '../test/fixtures/tiny/tiny_models.js';
import { floatToBf16Bits } from '../src/engine/weights/half.js';
import { mulberry32 } from '../src/shared/mulberry32.js';

export interface BenchShape {
  name: string;
  modelType: 'llama' | 'qwen2';
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocab: number;
  maxPositions: number;
  ropeTheta: number;
  eps: number;
  tied: boolean;
  dtype: 'F32' | 'BF16';
}

export const SMOLLM_SHAPE: BenchShape = {
  name: 'SmolLM2-135M',
  modelType: 'llama',
  hidden: 576,
  intermediate: 1536,
  layers: 30,
  heads: 9,
  kvHeads: 3,
  headDim: 64,
  vocab: 49152,
  maxPositions: 8192,
  ropeTheta: 100000,
  eps: 1e-5,
  tied: true,
  dtype: 'F32',
};

const QWEN_COMMON = { modelType: 'qwen2', headDim: 128, vocab: 151936, maxPositions: 32768, ropeTheta: 1000000, eps: 1e-6 } as const;

export const QWEN05_SHAPE: BenchShape = { ...QWEN_COMMON, name: 'Qwen2.5-0.5B', hidden: 896, intermediate: 4864, layers: 24, heads: 14, kvHeads: 2, headDim: 64, tied: true, dtype: 'F32' };
export const QWEN15_SHAPE: BenchShape = { ...QWEN_COMMON, name: 'Qwen2.5-1.5B', hidden: 1536, intermediate: 8960, layers: 28, heads: 12, kvHeads: 2, tied: true, dtype: 'BF16' };
export const QWEN7_SHAPE: BenchShape = { ...QWEN_COMMON, name: 'Qwen2.5-7B', hidden: 3584, intermediate: 18944, layers: 28, heads: 28, kvHeads: 4, vocab: 152064, tied: false, dtype: 'BF16' };

/** Bump when the written content changes, so stale caches are rewritten. */
const FORMAT_VERSION = '2';
const SEED = 0x5eed135;
const BLOCK = 1 << 22;

export interface TensorPlan {
  name: string;
  shape: number[];
  kind: 'weight' | 'norm' | 'bias';
}

export function tensorPlan(s: BenchShape): TensorPlan[] {
  const plan: TensorPlan[] = [{ name: 'model.embed_tokens.weight', shape: [s.vocab, s.hidden], kind: 'weight' }];
  const q = s.heads * s.headDim;
  const kv = s.kvHeads * s.headDim;
  for (let i = 0; i < s.layers; i++) {
    const p = `model.layers.${i}`;
    plan.push(
      { name: `${p}.input_layernorm.weight`, shape: [s.hidden], kind: 'norm' },
      { name: `${p}.self_attn.q_proj.weight`, shape: [q, s.hidden], kind: 'weight' },
      { name: `${p}.self_attn.k_proj.weight`, shape: [kv, s.hidden], kind: 'weight' },
      { name: `${p}.self_attn.v_proj.weight`, shape: [kv, s.hidden], kind: 'weight' },
      { name: `${p}.self_attn.o_proj.weight`, shape: [s.hidden, q], kind: 'weight' },
      { name: `${p}.post_attention_layernorm.weight`, shape: [s.hidden], kind: 'norm' },
      { name: `${p}.mlp.gate_proj.weight`, shape: [s.intermediate, s.hidden], kind: 'weight' },
      { name: `${p}.mlp.up_proj.weight`, shape: [s.intermediate, s.hidden], kind: 'weight' },
      { name: `${p}.mlp.down_proj.weight`, shape: [s.hidden, s.intermediate], kind: 'weight' },
    );
    if (s.modelType === 'qwen2') {
      plan.push(
        { name: `${p}.self_attn.q_proj.bias`, shape: [q], kind: 'bias' },
        { name: `${p}.self_attn.k_proj.bias`, shape: [kv], kind: 'bias' },
        { name: `${p}.self_attn.v_proj.bias`, shape: [kv], kind: 'bias' },
      );
    }
  }
  plan.push({ name: 'model.norm.weight', shape: [s.hidden], kind: 'norm' });
  if (!s.tied) plan.push({ name: 'lm_head.weight', shape: [s.vocab, s.hidden], kind: 'weight' });
  return plan;
}

function config(s: BenchShape): Record<string, unknown> {
  const common = {
    hidden_size: s.hidden,
    intermediate_size: s.intermediate,
    num_hidden_layers: s.layers,
    num_attention_heads: s.heads,
    num_key_value_heads: s.kvHeads,
    vocab_size: s.vocab,
    max_position_embeddings: s.maxPositions,
    rms_norm_eps: s.eps,
    rope_theta: s.ropeTheta,
    rope_scaling: null,
    hidden_act: 'silu',
    attention_dropout: 0.0,
    initializer_range: 0.02,
    tie_word_embeddings: s.tied,
    bos_token_id: 1,
    eos_token_id: 2,
    use_cache: true,
    torch_dtype: s.dtype === 'F32' ? 'float32' : 'bfloat16',
    transformers_version: '5.18.0',
  };
  if (s.modelType === 'qwen2') {
    return { architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', ...common, use_sliding_window: false, sliding_window: null, max_window_layers: s.layers };
  }
  return { architectures: ['LlamaForCausalLM'], model_type: 'llama', ...common, head_dim: s.headDim, attention_bias: false, mlp_bias: false, pretraining_tp: 1, pad_token_id: 2 };
}

/** The tiny test BPE as a tokenizer.json (the benches feed ids; it only has to load). */
export function tokenizerJson(): Record<string, unknown> {
  const { vocab, merges } = tinyVocab();
  const metaspace = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: ['<unk>', '<s>', '</s>'].map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: null,
    pre_tokenizer: metaspace,
    post_processor: null,
    decoder: metaspace,
    model: { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges },
  };
}

const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;

/** Total bytes of the safetensors data for a shape. */
export function shapeBytes(s: BenchShape): number {
  return tensorPlan(s).reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1) * (s.dtype === 'F32' ? 4 : 2), 0);
}

/** The random block, as F32 values and as BF16 bits. */
function randomBlock(): { f32: Float32Array; bf16: Uint16Array } {
  const rand = mulberry32(SEED);
  const f32 = new Float32Array(BLOCK);
  for (let i = 0; i < BLOCK; i += 2) {
    // Box–Muller: two N(0, 1) per pair of uniforms.
    const u1 = 1 - rand();
    const u2 = rand();
    const r = 0.02 * Math.sqrt(-2 * Math.log(u1));
    f32[i] = r * Math.cos(2 * Math.PI * u2);
    f32[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  const bf16 = new Uint16Array(BLOCK);
  for (let i = 0; i < BLOCK; i++) bf16[i] = floatToBf16Bits(f32[i]!);
  return { f32, bf16 };
}

/** Writes the folder if it is missing or stale; returns its path and whether it was written. */
export function ensureShapedModel(dir: string, s: BenchShape, log: (msg: string) => void = () => {}): { dir: string; written: boolean; seconds: number } {
  const stamp = join(dir, 'bench-model.json');
  const wanted = { format: FORMAT_VERSION, seed: SEED, shape: s };
  if (existsSync(stamp) && existsSync(join(dir, 'model.safetensors'))) {
    try {
      if (JSON.stringify(JSON.parse(readFileSync(stamp, 'utf8'))) === JSON.stringify(wanted)) return { dir, written: false, seconds: 0 };
    } catch {
      // rewrite below
    }
  }
  const t0 = performance.now();
  const size = shapeBytes(s) / 2 ** 30;
  log(`writing random ${s.name}-shaped model (${s.dtype}, ~${size.toFixed(2)} GB) to ${dir} …`);
  mkdirSync(dir, { recursive: true });
  rmSync(stamp, { force: true });

  const plan = tensorPlan(s);
  const elt = s.dtype === 'F32' ? 4 : 2;
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const t of plan) {
    const bytes = t.shape.reduce((a, b) => a * b, 1) * elt;
    header[t.name] = { dtype: s.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let headerText = JSON.stringify(header);
  while (Buffer.byteLength(headerText) % 8 !== 0) headerText += ' ';
  const headerBytes = Buffer.from(headerText, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerBytes.length));

  const block = randomBlock();
  const src = s.dtype === 'F32' ? block.f32 : block.bf16;
  const one = s.dtype === 'F32' ? new Float32Array([1]) : new Uint16Array([floatToBf16Bits(1)]);
  const tmp = join(dir, 'model.safetensors.partial');
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, len);
    writeSync(fd, headerBytes);
    const CHUNK = 1 << 20;
    const buf = s.dtype === 'F32' ? new Float32Array(CHUNK) : new Uint16Array(CHUNK);
    plan.forEach((t, ti) => {
      let left = t.shape.reduce((a, b) => a * b, 1);
      let at = (ti * 7919 * 97) % BLOCK;
      while (left > 0) {
        const n = Math.min(CHUNK, left, BLOCK - at);
        if (t.kind === 'norm') buf.fill(one[0]!, 0, n);
        else if (t.kind === 'bias') buf.fill(0, 0, n);
        else buf.set(src.subarray(at, at + n));
        writeSync(fd, new Uint8Array(buf.buffer, 0, n * elt));
        left -= n;
        at = (at + n) % BLOCK;
      }
    });
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, 'model.safetensors'));
  writeFileSync(join(dir, 'config.json'), json(config(s)));
  writeFileSync(join(dir, 'generation_config.json'), json({ bos_token_id: 1, eos_token_id: 2, transformers_version: '5.18.0' }));
  writeFileSync(join(dir, 'tokenizer.json'), json(tokenizerJson()));
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    json({ tokenizer_class: 'PreTrainedTokenizerFast', add_bos_token: false, add_eos_token: false, bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', pad_token: null, model_max_length: s.maxPositions, clean_up_tokenization_spaces: false }),
  );
  writeFileSync(stamp, json(wanted));
  const seconds = (performance.now() - t0) / 1000;
  log(`  written in ${seconds.toFixed(1)} s`);
  return { dir, written: true, seconds };
}

/** The SmolLM2-135M-shaped F32 folder (kept for bench/device). */
export function ensureSmolLMShapedModel(dir: string, log: (msg: string) => void = () => {}): { dir: string; written: boolean; seconds: number } {
  return ensureShapedModel(dir, SMOLLM_SHAPE, log);
}
