import * as op from '../../onnx/ops/index.js';
import { intAttr, type GradRule } from '../grad_context.js';

/** Concatenate the pieces' gradients; a piece that does not reach the loss contributes zeros. */
export const splitGrad: GradRule = (node, dys) => {
  const axis = intAttr(node, 'axis', 0);
  const parts = node.outputs.map((o, i) => dys[i] ?? op.zerosLike(o));
  return [op.concat(parts, axis), undefined];
};
