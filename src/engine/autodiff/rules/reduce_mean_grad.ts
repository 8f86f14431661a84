import { mulDims } from '../../onnx/dims.js';
import * as op from '../../onnx/ops/index.js';
import { dOut, input, intAttr, intsAttr, type GradRule } from '../grad_context.js';

/** Like ReduceSum's rule, divided by the number of reduced elements (symbolic counts at run time). */
export const reduceMeanGrad: GradRule = (node, dys) => {
  const x = input(node, 0);
  const axes = intsAttr(node, 'axes').map((a) => (a < 0 ? a + x.rank : a));
  let dy = dOut(node, dys);
  if (intAttr(node, 'keepdims', 1) === 0) dy = op.unsqueeze(dy, axes);
  const count = mulDims(...axes.map((a) => x.shape[a]!));
  const n = typeof count === 'number' ? count : op.cast(op.reshape(x.graph.dimValue(count), []), x.dtype);
  return [op.expand(op.div(dy, n), x.shape)];
};
