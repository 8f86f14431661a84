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
  /** Query positions in this pass. */
  T: Dim;
  /** Position ids of the queries, int64 [T] (0..T-1 without a cache). */
  positions: Value;
  /** Additive mask [B, 1, 1, T, Tk]: 0 where a query may attend to a key, lowest finite elsewhere. */
  bias: Value;
  rope?: { cos: Value; sin: Value };
  /** Generation with a KV cache: the cache of each layer. */
  cache?: (layer: number) => LayerCache;
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
 * q [B·T, H·hd], k/v [B·T, KV·hd] → [B·T, H·hd]. Queries are viewed as [B, KV, G, T, hd] so
 * each group of G query heads meets its shared key/value head by broadcasting, without
 * materialising repeated keys and values.
 */
export function attention(q: Value, k: Value, v: Value, heads: HeadLayout, inputs: AttentionInputs, layer: number): Value {
  const { numHeads: H, numKvHeads: KV, headDim: hd } = heads;
  const G = H / KV;
  const { B, T } = inputs;
  let q5 = op.reshape(q, [B, T, KV, G, hd]);
  let k4 = op.reshape(k, [B, T, KV, hd]);
  if (heads.qNorm) q5 = heads.qNorm(q5);
  if (heads.kNorm) k4 = heads.kNorm(k4);
  let qh = op.transpose(q5, [0, 2, 3, 1, 4]); // [B, KV, G, T, hd]
  let kh = op.transpose(k4, [0, 2, 1, 3]); // [B, KV, T, hd]
  if (inputs.rope) {
    qh = applyRope(qh, inputs.rope.cos, inputs.rope.sin);
    kh = applyRope(kh, inputs.rope.cos, inputs.rope.sin);
  }
  let vt = op.transpose(op.reshape(v, [B, T, KV, hd]), [0, 2, 1, 3]); // [B, KV, T, hd]
  const cache = inputs.cache?.(layer);
  if (cache) {
    kh = op.concat([cache.past.k, kh], 2);
    vt = op.concat([cache.past.v, vt], 2);
    cache.present(kh, vt);
  }
  const vh = op.unsqueeze(vt, [2]); // [B, KV, 1, Tk, hd]
  const kT = op.unsqueeze(op.transpose(kh, [0, 1, 3, 2]), [2]); // [B, KV, 1, hd, Tk]
  const scores = op.add(op.matmul(op.mul(qh, 1 / Math.sqrt(hd)), kT), inputs.bias); // [B, KV, G, T, Tk]
  const ctx = op.matmul(op.softmax(scores, -1), vh); // [B, KV, G, T, hd]
  return op.reshape(op.transpose(ctx, [0, 3, 1, 2, 4]), [mulDims(B, T), H * hd]);
}
