import { SpsError } from '../../../shared/errors.js';
import { mulDims, type Dim } from '../../onnx/dims.js';
import { lowestFinite, type DType } from '../../onnx/dtype.js';
import type { Value } from '../../onnx/graph.js';
import * as op from '../../onnx/ops/index.js';
import { applyRope } from './rope.js';

/** One layer's key/value cache: keys after RoPE and values, [B, KV, P, hd] each. */
export interface LayerCache {
  past: { k: Value; v: Value };
  /** Receives the layer's keys and values for past + new positions, to output them. */
  present(k: Value, v: Value): void;
}

/** Per-sequence inputs every attention layer shares. */
export interface AttentionInputs {
  B: Dim;
  /** Query positions per sequence in this pass (the tokens only, when the prompt is shared). */
  T: Dim;
  /** Position ids of the queries, int64 [T] (0..T-1 without a cache). */
  positions: Value;
  /** Additive mask [B, 1, 1, T, Tk]: 0 where a query may attend to a key, lowest finite elsewhere. */
  bias: Value;
  rope?: { cos: Value; sin: Value };
  /** Generation with a key/value cache: the cache of each layer. */
  cache?: (layer: number) => LayerCache;
  /**
   * The soft prompt's rows, once for the whole batch (graphs/rows.ts): the hidden states are
   * [n prompt rows; B·T token rows], the token queries attend to the prompt's keys and then
   * their own sequence's (`bias` is [B, 1, 1, T, n + T]), and the prompt's queries to the
   * prompt's keys only.
   */
  sharedPrompt?: SharedPrompt;
  /**
   * int64 [K]: the only rows of the block's output anyone reads (the LM head's label rows, in
   * the last layer of a train step). Keys and values still come from every row; from the
   * attention output on, the block runs on these K rows (`keptRows`).
   */
  outputRows?: Value;
}

/**
 * The block's residual input and attention output, cut to `inputs.outputRows` when set: the
 * output projection, the residual and the MLP then run on K rows instead of all (in the last
 * layer, where nothing but the label rows reaches the loss).
 */
export function keptRows(inputs: AttentionInputs, h: Value, a: Value): [Value, Value] {
  const rows = inputs.outputRows;
  return rows ? [op.gather(h, rows, 0), op.gather(a, rows, 0)] : [h, a];
}

/** The shared soft prompt's own attention inputs: n rows at positions 0..n-1. */
export interface SharedPrompt {
  n: number;
  /** int64 [n]: 0..n-1. */
  positions: Value;
  /** Causal mask among the prompt's rows, [1, 1, 1, n, n]. */
  bias: Value;
  rope?: { cos: Value; sin: Value };
}

/**
 * Causal (+ sliding window, + key padding) mask as an additive bias [B, 1, 1, T, Tk].
 * `queryPos` [T] and `keyPos` [Tk] are position ids; `keyMask` [B, Tk] (the attention mask with
 * the soft prompt's leading ones in place) marks real keys, or is omitted when all are real.
 */
export function attentionBias(queryPos: Value, keyPos: Value, dtype: DType, opts: { keyMask?: Value; slidingWindow?: number } = {}): Value {
  const q = op.unsqueeze(queryPos, [1]);
  const k = op.unsqueeze(keyPos, [0]);
  let allowed = op.lessOrEqual(k, q);
  if (opts.slidingWindow !== undefined) allowed = op.and(allowed, op.greater(k, op.sub(q, opts.slidingWindow)));
  let ok = op.unsqueeze(allowed, [0, 1, 2]);
  if (opts.keyMask) ok = op.and(ok, op.unsqueeze(op.cast(opts.keyMask, 'bool'), [1, 2, 3]));
  return op.where(ok, 0, lowestFinite(dtype), dtype);
}

export interface HeadLayout {
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  /** Per-head RMSNorm applied to q and k before RoPE (qwen3). */
  qNorm?: (x: Value) => Value;
  kNorm?: (x: Value) => Value;
}

/**
 * Scaled dot-product attention with grouped-query heads, on flattened rows.
 * q [rows, H·hd], k/v [rows, KV·hd] → [rows, H·hd], rows = B·T (or n + B·T with a shared
 * prompt). Queries are viewed as [B, KV, G, T, hd] so each group of G query heads meets its
 * shared key/value head by broadcasting, without materialising repeated keys and values.
 */
export function attention(q: Value, k: Value, v: Value, heads: HeadLayout, inputs: AttentionInputs, layer: number): Value {
  if (inputs.sharedPrompt) {
    if (inputs.cache) throw new SpsError('INTERNAL', 'attention: a shared prompt and a key/value cache do not combine');
    return sharedPromptAttention(q, k, v, heads, inputs, inputs.sharedPrompt);
  }
  const { B, T } = inputs;
  const x = toHeads(q, k, v, heads, B, T, inputs.rope);
  let { kh, vt } = x;
  const cache = inputs.cache?.(layer);
  if (cache) {
    kh = op.concat([cache.past.k, kh], 2);
    vt = op.concat([cache.past.v, vt], 2);
    cache.present(kh, vt);
  }
  return fromHeads(scaledDotProduct(x.qh, kh, vt, inputs.bias, heads.headDim), B, T, heads);
}

/**
 * The batch's shared prompt rows (the first n) attend among themselves once; each sequence's
 * token rows attend to the prompt's keys and values (broadcast over the batch; the backward
 * sums the sequences' contributions into them) and then to their own.
 */
function sharedPromptAttention(q: Value, k: Value, v: Value, heads: HeadLayout, inputs: AttentionInputs, prompt: SharedPrompt): Value {
  const { B, T } = inputs;
  const n = prompt.n;
  const tokens = mulDims(B, T);
  const [qP, qT] = op.splitRows(q, n, tokens);
  const [kP, kT] = op.splitRows(k, n, tokens);
  const [vP, vT] = op.splitRows(v, n, tokens);
  const p = toHeads(qP!, kP!, vP!, heads, 1, n, prompt.rope);
  const t = toHeads(qT!, kT!, vT!, heads, B, T, inputs.rope);
  const kvShape = [B, heads.numKvHeads, n, heads.headDim];
  const keys = op.concat([op.expand(p.kh, kvShape), t.kh], 2);
  const values = op.concat([op.expand(p.vt, kvShape), t.vt], 2);
  const promptOut = fromHeads(scaledDotProduct(p.qh, p.kh, p.vt, prompt.bias, heads.headDim), 1, n, heads);
  const tokenOut = fromHeads(scaledDotProduct(t.qh, keys, values, inputs.bias, heads.headDim), B, T, heads);
  return op.concat([promptOut, tokenOut], 0);
}

/** Rows → queries [B, KV, G, T, hd], keys and values [B, KV, T, hd] (q/k norm and RoPE applied). */
function toHeads(q: Value, k: Value, v: Value, heads: HeadLayout, B: Dim, T: Dim, rope: { cos: Value; sin: Value } | undefined): { qh: Value; kh: Value; vt: Value } {
  const { numHeads: H, numKvHeads: KV, headDim: hd } = heads;
  let q5 = op.reshape(q, [B, T, KV, H / KV, hd]);
  let k4 = op.reshape(k, [B, T, KV, hd]);
  if (heads.qNorm) q5 = heads.qNorm(q5);
  if (heads.kNorm) k4 = heads.kNorm(k4);
  let qh = op.transpose(q5, [0, 2, 3, 1, 4]); // [B, KV, G, T, hd]
  let kh = op.transpose(k4, [0, 2, 1, 3]); // [B, KV, T, hd]
  if (rope) {
    qh = applyRope(qh, rope.cos, rope.sin);
    kh = applyRope(kh, rope.cos, rope.sin);
  }
  const vt = op.transpose(op.reshape(v, [B, T, KV, hd]), [0, 2, 1, 3]);
  // A backward fed these skips the norms, RoPE and transposes above (layer_graphs.ts).
  q.graph.handOver.push(qh, kh, vt);
  return { qh, kh, vt };
}

/** softmax(q·kᵀ / √hd + bias)·v: [B, KV, G, T, hd] queries, [B, KV, Tk, hd] keys and values. */
function scaledDotProduct(qh: Value, kh: Value, vt: Value, bias: Value, hd: number): Value {
  const vh = op.unsqueeze(vt, [2]); // [B, KV, 1, Tk, hd]
  const kT = op.unsqueeze(op.transpose(kh, [0, 1, 3, 2]), [2]); // [B, KV, 1, hd, Tk]
  const scores = op.add(op.matmul(op.mul(qh, 1 / Math.sqrt(hd)), kT), bias); // [B, KV, G, T, Tk]
  return op.matmul(op.softmax(scores, -1), vh); // [B, KV, G, T, hd]
}

/** [B, KV, G, T, hd] → rows [B·T, H·hd]. */
function fromHeads(ctx: Value, B: Dim, T: Dim, heads: HeadLayout): Value {
  return op.reshape(op.transpose(ctx, [0, 3, 1, 2, 4]), [mulDims(B, T), heads.numHeads * heads.headDim]);
}
