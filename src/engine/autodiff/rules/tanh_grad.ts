import * as op from '../../onnx/ops/index.js';
import { dOut, type GradRule } from '../grad_context.js';

/** d tanh(x) = dy·(1 - y²). */
export const tanhGrad: GradRule = (node, dys) => {
  const y = node.outputs[0]!;
  return [op.mul(dOut(node, dys), op.sub(1, op.mul(y, y)))];
};
