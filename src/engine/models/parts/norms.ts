import { markComposite } from '../../autodiff/composite.js';
import type { Value } from '../../onnx/graph.js';
import * as op from '../../onnx/ops/index.js';

/**
 * RMSNorm over the last axis: x / sqrt(mean(x²) + eps) · w. Written with primitive ops, which
 * onnx/fuse_rms_norm.ts matches (SimplifiedLayerNormalization on GPU providers), and marked as
 * a composite so that its backward is autodiff/rules/rms_norm_grad.ts, about half the passes of
 * the primitive ops' rules chained.
 */
export function rmsNorm(x: Value, weight: Value, eps: number): Value {
  const ms = op.reduceMean(op.mul(x, x), [-1], true);
  const den = op.sqrt(op.add(ms, eps));
  const normed = op.div(x, den);
  return markComposite('rms_norm', op.mul(normed, weight), [x, weight], { den, normed });
}

/** LayerNorm over the last axis (biased variance, as torch). */
export function layerNorm(x: Value, weight: Value, bias: Value, eps: number): Value {
  const centered = op.sub(x, op.reduceMean(x, [-1], true));
  const variance = op.reduceMean(op.mul(centered, centered), [-1], true);
  return op.add(op.mul(op.div(centered, op.sqrt(op.add(variance, eps))), weight), bias);
}
