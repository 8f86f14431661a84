import * as op from '../../onnx/ops/index.js';
import { dOut, input, unbroadcast, type GradRule } from '../grad_context.js';

/** d(a/b): dy/b for a, -dy·y/b (= -dy·a/b²) for b. */
export const divGrad: GradRule = (node, dys, needs) => {
  const dy = dOut(node, dys);
  const a = input(node, 0);
  const b = input(node, 1);
  const y = node.outputs[0]!;
  return [
    needs(0) ? unbroadcast(op.div(dy, b), a.shape) : undefined,
    needs(1) ? unbroadcast(op.neg(op.div(op.mul(dy, y), b)), b.shape) : undefined,
  ];
};
