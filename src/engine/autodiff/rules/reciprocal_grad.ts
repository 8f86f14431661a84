import * as op from '../../onnx/ops/index.js';
import { dOut, type GradRule } from '../grad_context.js';

/** d(1/x) = -dy·y². */
export const reciprocalGrad: GradRule = (node, dys) => {
  const y = node.outputs[0]!;
  return [op.neg(op.mul(dOut(node, dys), op.mul(y, y)))];
};
