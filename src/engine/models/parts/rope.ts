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
  const s = rope.scaling;
  let theta = rope.theta;
  if (s.type === 'dynamic') {
    // transformers' dynamic NTK base at a sequence length of max_position_embeddings (longer
    // sequences are refused here): the same arithmetic, which leaves theta (almost exactly) as is.
    const d = rope.dim;
    theta = theta * ((s.factor * s.maxPositions) / s.maxPositions - (s.factor - 1)) ** (d / (d - 2));
  }
  for (let i = 0; i < half; i++) inv[i] = 1 / Math.pow(theta, (2 * i) / rope.dim);
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
  } else if (s.type === 'yarn') {
    yarnInvFreq(inv, rope.theta, rope.dim, s);
  }
  return inv;
}

/** transformers' `_compute_yarn_parameters`: extrapolated and interpolated frequencies blended by a ramp. */
function yarnInvFreq(inv: Float32Array | Float64Array, theta: number, dim: number, s: Extract<RopeSpec['scaling'], { type: 'yarn' }>): void {
  const correctionDim = (rotations: number) => (dim * Math.log(s.originalMaxPositions / (rotations * 2 * Math.PI))) / (2 * Math.log(theta));
  let low = correctionDim(s.betaFast);
  let high = correctionDim(s.betaSlow);
  if (s.truncate) {
    low = Math.floor(low);
    high = Math.ceil(high);
  }
  low = Math.max(low, 0);
  high = Math.min(high, dim - 1);
  if (low === high) high += 0.001; // transformers' guard against a zero-width ramp
  for (let i = 0; i < dim / 2; i++) {
    const posFreq = Math.pow(theta, (2 * i) / dim);
    const extrapolation = 1 / posFreq;
    const interpolation = 1 / (s.factor * posFreq);
    const ramp = Math.min(Math.max((i - low) / (high - low), 0), 1);
    const extrapolationFactor = 1 - ramp;
    inv[i] = interpolation * (1 - extrapolationFactor) + extrapolation * extrapolationFactor;
  }
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
  // YaRN scales cos and sin ("attention scaling"), in the same precision as transformers.
  const scale = rope.scaling.type === 'yarn' ? rope.scaling.attentionFactor : 1;
  const scaled = (v: Value) => (scale === 1 ? v : op.mul(v, scale));
  return { cos: op.cast(scaled(op.cos(emb)), dtype), sin: op.cast(scaled(op.sin(emb)), dtype) };
}

/** x·cos + rotate_half(x)·sin over the last axis (Hugging Face's rotate_half convention). */
export function applyRope(x: Value, cos: Value, sin: Value): Value {
  const hd = x.shape[x.rank - 1] as number;
  const [x1, x2] = op.split(x, -1, [hd / 2, hd / 2]);
  const rotated = op.concat([op.neg(x2!), x1!], -1);
  return op.add(op.mul(x, cos), op.mul(rotated, sin));
}
