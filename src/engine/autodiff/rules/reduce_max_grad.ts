import * as op from '../../onnx/ops/index.js';
import { dOut, input, intAttr, intsAttr, type GradRule } from '../grad_context.js';

/** dy goes to the maximal elements, shared equally between ties (as PyTorch's amax does). */
export const reduceMaxGrad: GradRule = (node, dys) => {
  const x = input(node, 0);
  const axes = intsAttr(node, 'axes').map((a) => (a < 0 ? a + x.rank : a));
  const keep = intAttr(node, 'keepdims', 1) === 1;
  let y = node.outputs[0]!;
  let dy = dOut(node, dys);
  if (!keep) {
    y = op.unsqueeze(y, axes);
    dy = op.unsqueeze(dy, axes);
  }
  const mask = op.cast(op.equal(x, y), x.dtype);
  const count = op.reduceSum(mask, axes, true);
  return [op.mul(mask, op.div(dy, count))];
};
