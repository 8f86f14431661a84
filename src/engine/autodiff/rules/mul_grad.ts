import * as op from '../../onnx/ops/index.js';
import { dOut, input, unbroadcast, type GradRule } from '../grad_context.js';

/** d(a·b): dy·b for a, dy·a for b. */
export const mulGrad: GradRule = (node, dys, needs) => {
  const dy = dOut(node, dys);
  const a = input(node, 0);
  const b = input(node, 1);
  return [needs(0) ? unbroadcast(op.mul(dy, b), a.shape) : undefined, needs(1) ? unbroadcast(op.mul(dy, a), b.shape) : undefined];
};
