import * as op from '../../onnx/ops/index.js';
import { dOut, intAttr, type GradRule } from '../grad_context.js';

/** dx = dy - softmax(x)·Σ dy along the axis, with softmax(x) = exp(y). */
export const logSoftmaxGrad: GradRule = (node, dys) => {
  const y = node.outputs[0]!;
  const dy = dOut(node, dys);
  const axis = intAttr(node, 'axis', -1);
  return [op.sub(dy, op.mul(op.exp(y), op.reduceSum(dy, [axis], true)))];
};
