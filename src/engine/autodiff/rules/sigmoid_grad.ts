import * as op from '../../onnx/ops/index.js';
import { dOut, type GradRule } from '../grad_context.js';

/** d σ(x) = dy·y·(1 - y). */
export const sigmoidGrad: GradRule = (node, dys) => {
  const y = node.outputs[0]!;
  return [op.mul(dOut(node, dys), op.mul(y, op.sub(1, y)))];
};
