import { SpsError } from '../../../shared/errors.js';
import { markComposite } from '../../autodiff/composite.js';
import type { Value } from '../../onnx/graph.js';
import * as op from '../../onnx/ops/index.js';
import type { ModelSpec } from '../spec.js';

export function silu(x: Value): Value {
  return op.mul(x, op.sigmoid(x));
}

/** GPT-2's tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export function geluNew(x: Value): Value {
  const inner = op.mul(op.add(x, op.mul(op.mul(op.mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
  return op.mul(op.mul(x, 0.5), op.add(op.tanh(inner), 1));
}

/**
 * A gated MLP's hidden activation, act(gate) · up. For SiLU (SwiGLU) the ops are the same
 * Mul(Mul(g, Sigmoid(g)), up) as silu(gate) · up, marked as a composite so that its backward is
 * autodiff/rules/swiglu_grad.ts (six passes over the MLP's width instead of eight).
 */
export function gatedActivation(kind: ModelSpec['activation'], gate: Value, up: Value): Value {
  if (kind !== 'silu') return op.mul(activation(kind, gate), up);
  const s = op.sigmoid(gate);
  const a = op.mul(gate, s);
  return markComposite('swiglu', op.mul(a, up), [gate, up], { sigmoid: s, silu: a });
}

export function activation(kind: ModelSpec['activation'], x: Value): Value {
  switch (kind) {
    case 'silu':
      return silu(x);
    case 'gelu_new':
      return geluNew(x);
    default:
      throw new SpsError('UNSUPPORTED_MODEL', `activation ${kind} is not supported`);
  }
}
