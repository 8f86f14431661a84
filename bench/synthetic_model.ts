/**
 * A random-initialised Llama folder with SmolLM2-135M's exact shape, written once into
 * bench/.cache/ as F32 safetensors (~540 MB). Weights are N(0, 0.02) from a seeded PRNG
 * (mulberry32 + Box–Muller), norm scales are 1. The tokenizer is the tiny test BPE
 * (96 tokens): the bench feeds token ids directly, so it only has to load.
 *
 * The safetensors file is written tensor by tensor in chunks (never the whole file in
 * memory) to a temporary name and renamed at the end, so an interrupted write never
 * leaves a folder that looks complete.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tinyVocab } from '../test/fixtures/tiny/tiny_models.js';
import { mulberry32 } from '../src/shared/mulberry32.js';

export const SMOLLM_SHAPE = {
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
} as const;

/** Bump when the written content changes, so stale caches are rewritten. */
const FORMAT_VERSION = '1';
const SEED = 0x5eed135;

interface TensorPlan {
  name: string;
  shape: number[];
  kind: 'weight' | 'norm';
}

function tensorPlan(): TensorPlan[] {
  const s = SMOLLM_SHAPE;
  const plan: TensorPlan[] = [{ name: 'model.embed_tokens.weight', shape: [s.vocab, s.hidden], kind: 'weight' }];
  for (let i = 0; i < s.layers; i++) {
    const p = `model.layers.${i}`;
    plan.push(
      { name: `${p}.input_layernorm.weight`, shape: [s.hidden], kind: 'norm' },
      { name: `${p}.self_attn.q_proj.weight`, shape: [s.heads * s.headDim, s.hidden], kind: 'weight' },
      { name: `${p}.self_attn.k_proj.weight`, shape: [s.kvHeads * s.headDim, s.hidden], kind: 'weight' },
      { name: `${p}.self_attn.v_proj.weight`, shape: [s.kvHeads * s.headDim, s.hidden], kind: 'weight' },
      { name: `${p}.self_attn.o_proj.weight`, shape: [s.hidden, s.heads * s.headDim], kind: 'weight' },
      { name: `${p}.post_attention_layernorm.weight`, shape: [s.hidden], kind: 'norm' },
      { name: `${p}.mlp.gate_proj.weight`, shape: [s.intermediate, s.hidden], kind: 'weight' },
      { name: `${p}.mlp.up_proj.weight`, shape: [s.intermediate, s.hidden], kind: 'weight' },
      { name: `${p}.mlp.down_proj.weight`, shape: [s.hidden, s.intermediate], kind: 'weight' },
    );
  }
  plan.push({ name: 'model.norm.weight', shape: [s.hidden], kind: 'norm' });
  return plan;
}


function config(): Record<string, unknown> {
  const s = SMOLLM_SHAPE;
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: s.hidden,
    intermediate_size: s.intermediate,
    num_hidden_layers: s.layers,
    num_attention_heads: s.heads,
    num_key_value_heads: s.kvHeads,
    head_dim: s.headDim,
    vocab_size: s.vocab,
    max_position_embeddings: s.maxPositions,
    rms_norm_eps: s.eps,
    rope_theta: s.ropeTheta,
    rope_scaling: null,
    hidden_act: 'silu',
    attention_bias: false,
    attention_dropout: 0.0,
    mlp_bias: false,
    initializer_range: 0.02,
    pretraining_tp: 1,
    tie_word_embeddings: true,
    bos_token_id: 1,
    eos_token_id: 2,
    pad_token_id: 2,
    use_cache: true,
    torch_dtype: 'float32',
    transformers_version: '5.18.0',
  };
}

function tokenizerJson(): Record<string, unknown> {
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

/** Writes the folder if it is missing or stale; returns its path and whether it was written. */
export function ensureSmolLMShapedModel(dir: string, log: (msg: string) => void = () => {}): { dir: string; written: boolean; seconds: number } {
  const stamp = join(dir, 'bench-model.json');
  const wanted = { format: FORMAT_VERSION, seed: SEED, shape: SMOLLM_SHAPE };
  if (existsSync(stamp) && existsSync(join(dir, 'model.safetensors'))) {
    try {
      if (JSON.stringify(JSON.parse(readFileSync(stamp, 'utf8'))) === JSON.stringify(wanted)) return { dir, written: false, seconds: 0 };
    } catch {
      // rewrite below
    }
  }
  const t0 = performance.now();
  log(`writing random SmolLM2-135M-shaped model (~540 MB F32) to ${dir} …`);
  mkdirSync(dir, { recursive: true });
  rmSync(stamp, { force: true });

  const plan = tensorPlan();
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const t of plan) {
    const bytes = t.shape.reduce((a, b) => a * b, 1) * 4;
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let headerText = JSON.stringify(header);
  while (Buffer.byteLength(headerText) % 8 !== 0) headerText += ' ';
  const headerBytes = Buffer.from(headerText, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(headerBytes.length));

  const tmp = join(dir, 'model.safetensors.partial');
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, len);
    writeSync(fd, headerBytes);
    const rand = mulberry32(SEED);
    const CHUNK = 1 << 20;
    const buf = new Float32Array(CHUNK);
    for (const t of plan) {
      let left = t.shape.reduce((a, b) => a * b, 1);
      while (left > 0) {
        const n = Math.min(CHUNK, left);
        if (t.kind === 'norm') buf.fill(1, 0, n);
        else {
          for (let i = 0; i < n; i += 2) {
            // Box–Muller: two N(0, 1) per pair of uniforms.
            const u1 = 1 - rand();
            const u2 = rand();
            const r = 0.02 * Math.sqrt(-2 * Math.log(u1));
            buf[i] = r * Math.cos(2 * Math.PI * u2);
            if (i + 1 < n) buf[i + 1] = r * Math.sin(2 * Math.PI * u2);
          }
        }
        writeSync(fd, new Uint8Array(buf.buffer, 0, n * 4));
        left -= n;
      }
    }
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, 'model.safetensors'));
  writeFileSync(join(dir, 'config.json'), json(config()));
  writeFileSync(join(dir, 'generation_config.json'), json({ bos_token_id: 1, eos_token_id: 2, transformers_version: '5.18.0' }));
  writeFileSync(join(dir, 'tokenizer.json'), json(tokenizerJson()));
  writeFileSync(
    join(dir, 'tokenizer_config.json'),
    json({ tokenizer_class: 'PreTrainedTokenizerFast', add_bos_token: false, add_eos_token: false, bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', pad_token: null, model_max_length: SMOLLM_SHAPE.maxPositions, clean_up_tokenization_spaces: false }),
  );
  writeFileSync(stamp, json(wanted));
  const seconds = (performance.now() - t0) / 1000;
  log(`  written in ${seconds.toFixed(1)} s`);
  return { dir, written: true, seconds };
}
