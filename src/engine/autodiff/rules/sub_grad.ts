import * as op from '../../onnx/ops/index.js';
import { dOut, input, unbroadcast, type GradRule } from '../grad_context.js';

/** d(a-b): +dy for a, -dy for b. */
export const subGrad: GradRule = (node, dys, needs) => {
  const dy = dOut(node, dys);
  return [needs(0) ? unbroadcast(dy, input(node, 0).shape) : undefined, needs(1) ? unbroadcast(op.neg(dy), input(node, 1).shape) : undefined];
};
