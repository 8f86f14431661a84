import type { Value } from '../../onnx/graph.js';
import * as op from '../../onnx/ops/index.js';
import { internalValue, unbroadcast, type CompositeRule } from '../grad_context.js';

/**
 * SwiGLU y = silu(g) · u with silu(g) = g·s, s = σ(g) (models/parts/activations.ts), inputs
 * [g, u], internals `sigmoid` (s) and `silu` (a = g·s):
 *   du = dy·a,   dg = (dy·u) · s · (1 + g − a)      (silu'(g) = s + g·s·(1 − s)).
 * Six passes over the MLP's width where the Mul, Mul, Sigmoid rules take eight (and an Add to
 * sum the two paths into g).
 */
export const swigluGrad: CompositeRule = (c, dy, needs) => {
  const [g, u] = c.inputs as [Value, Value];
  const a = internalValue(c, 'silu');
  const dg = needs(0) ? unbroadcast(op.mul(op.mul(op.add(op.sub(g, a), 1), internalValue(c, 'sigmoid')), op.mul(dy, u)), g.shape) : undefined;
  const du = needs(1) ? unbroadcast(op.mul(dy, a), u.shape) : undefined;
  return [dg, du];
};
