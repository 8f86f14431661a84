import type { DType } from '../../onnx/dtype.js';
import type { Value } from '../../onnx/graph.js';
import * as op from '../../onnx/ops/index.js';
import type { RopeSpec } from '../spec.js';

/**
 * Inverse frequencies, including Llama 3's frequency-dependent scaling. In float32 they are
 * rounded to float32 as transformers computes them (the models were trained with these).
 */
export function ropeInvFreq(rope: RopeSpec, precision: 'float32' | 'float64'): Float32Array | Float64Array {
  const half = rope.dim / 2;
  const inv = precision === 'float32' ? new Float32Array(half) : new Float64Array(half);
  for (let i = 0; i < half; i++) inv[i] = 1 / Math.pow(rope.theta, (2 * i) / rope.dim);
  const s = rope.scaling;
  if (s.type === 'linear') {
    for (let i = 0; i < half; i++) inv[i] = inv[i]! / s.factor;
  } else if (s.type === 'llama3') {
    const lowWavelen = s.originalMaxPositions / s.lowFreqFactor;
    const highWavelen = s.originalMaxPositions / s.highFreqFactor;
    for (let i = 0; i < half; i++) {
      const f = inv[i]!;
      const wavelen = (2 * Math.PI) / f;
      if (wavelen > lowWavelen) {
        inv[i] = f / s.factor;
      } else if (wavelen >= highWavelen) {
        const smooth = (s.originalMaxPositions / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
        inv[i] = (1 - smooth) * (f / s.factor) + smooth * f;
      }
    }
  }
  return inv;
}

/**
 * cos/sin tables [T, dim] for the position ids `positions` [T], computed in the graph: in
 * float32 for float32 and half compute (as transformers does), in float64 for the float64
 * verification mode.
 */
export function ropeTables(positions: Value, rope: RopeSpec, dtype: DType): { cos: Value; sin: Value } {
  const g = positions.graph;
  const precision = dtype === 'float64' ? 'float64' : 'float32';
  const inv = g.constant(ropeInvFreq(rope, precision), precision, [rope.dim / 2], 'rope_inv_freq');
  const pos = op.unsqueeze(op.cast(positions, precision), [1]);
  const freqs = op.mul(pos, inv);
  const emb = op.concat([freqs, freqs], -1);
  return { cos: op.cast(op.cos(emb), dtype), sin: op.cast(op.sin(emb), dtype) };
}

/** x·cos + rotate_half(x)·sin over the last axis (Hugging Face's rotate_half convention). */
export function applyRope(x: Value, cos: Value, sin: Value): Value {
  const hd = x.shape[x.rank - 1] as number;
  const [x1, x2] = op.split(x, -1, [hd / 2, hd / 2]);
  const rotated = op.concat([op.neg(x2!), x1!], -1);
  return op.add(op.mul(x, cos), op.mul(rotated, sin));
}
