import * as op from '../../onnx/ops/index.js';
import { dOut, intAttr, type GradRule } from '../grad_context.js';

/** dx = y·(dy - Σ(dy·y)) along the softmax axis. */
export const softmaxGrad: GradRule = (node, dys) => {
  const y = node.outputs[0]!;
  const dy = dOut(node, dys);
  const axis = intAttr(node, 'axis', -1);
  return [op.mul(y, op.sub(dy, op.reduceSum(op.mul(dy, y), [axis], true)))];
};
