import type { Value } from '../../onnx/graph.js';
import * as op from '../../onnx/ops/index.js';

/**
 * RMSNorm over the last axis: x / sqrt(mean(x²) + eps) · w. Written with primitive ops so the
 * autodiff rules apply; onnxruntime fuses the pattern into SimplifiedLayerNormalization.
 */
export function rmsNorm(x: Value, weight: Value, eps: number): Value {
  const ms = op.reduceMean(op.mul(x, x), [-1], true);
  return op.mul(op.div(x, op.sqrt(op.add(ms, eps))), weight);
}

/** LayerNorm over the last axis (biased variance, as torch). */
export function layerNorm(x: Value, weight: Value, bias: Value, eps: number): Value {
  const centered = op.sub(x, op.reduceMean(x, [-1], true));
  const variance = op.reduceMean(op.mul(centered, centered), [-1], true);
  return op.add(op.mul(op.div(centered, op.sqrt(op.add(variance, eps))), weight), bias);
}
