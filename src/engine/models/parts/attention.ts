import { mulDims, type Dim } from '../../onnx/dims.js';
import { lowestFinite, type DType } from '../../onnx/dtype.js';
import type { Value } from '../../onnx/graph.js';
import * as op from '../../onnx/ops/index.js';
import { applyRope } from './rope.js';

/** Per-sequence inputs every attention layer shares. */
export interface AttentionInputs {
  B: Dim;
  T: Dim;
  /** Additive mask [B, 1, 1, T, T]: 0 where a query may attend to a key, lowest finite elsewhere. */
  bias: Value;
  rope?: { cos: Value; sin: Value };
}

/**
 * Causal + padding (+ sliding window) mask as an additive bias. `fullMask` [B, T] is the
 * attention mask with the soft prompt's leading ones already in place.
 */
export function attentionBias(fullMask: Value, T: Dim, dtype: DType, slidingWindow?: number): Value {
  const idx = op.arange(T, fullMask);
  const q = op.unsqueeze(idx, [1]);
  const k = op.unsqueeze(idx, [0]);
  let allowed = op.lessOrEqual(k, q);
  if (slidingWindow !== undefined) allowed = op.and(allowed, op.greater(k, op.sub(q, slidingWindow)));
  const keyOk = op.unsqueeze(op.cast(fullMask, 'bool'), [1, 2, 3]);
  return op.where(op.and(allowed, keyOk), 0, lowestFinite(dtype), dtype);
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
export function attention(q: Value, k: Value, v: Value, heads: HeadLayout, inputs: AttentionInputs): Value {
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
  const vh = op.unsqueeze(op.transpose(op.reshape(v, [B, T, KV, hd]), [0, 2, 1, 3]), [2]); // [B, KV, 1, T, hd]
  const kT = op.unsqueeze(op.transpose(kh, [0, 1, 3, 2]), [2]); // [B, KV, 1, hd, T]
  const scores = op.add(op.matmul(op.mul(qh, 1 / Math.sqrt(hd)), kT), inputs.bias); // [B, KV, G, T, T]
  const ctx = op.matmul(op.softmax(scores, -1), vh); // [B, KV, G, T, hd]
  return op.reshape(op.transpose(ctx, [0, 3, 1, 2, 4]), [mulDims(B, T), H * hd]);
}
