import * as op from '../../onnx/ops/index.js';
import { dOut, input, intAttr, type GradRule } from '../grad_context.js';

/** Scatter-add dy into zeros shaped like the data at the gathered positions. */
export const gatherElementsGrad: GradRule = (node, dys) => {
  const data = input(node, 0);
  return [op.scatterElements(op.zerosLike(data), input(node, 1), dOut(node, dys), intAttr(node, 'axis', 0), 'add'), undefined];
};
