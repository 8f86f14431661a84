import * as op from '../../onnx/ops/index.js';
import { constInts, dOut, input, intAttr, type GradRule } from '../grad_context.js';

/** Broadcast dy back over the reduced axes (restoring them first when keepdims=0). */
export const reduceSumGrad: GradRule = (node, dys) => {
  const x = input(node, 0);
  const axes = constInts(node, 1).map((a) => (a < 0 ? a + x.rank : a));
  let dy = dOut(node, dys);
  if (intAttr(node, 'keepdims', 1) === 0) dy = op.unsqueeze(dy, axes);
  return [op.expand(dy, x.shape), undefined];
};
