import * as op from '../../onnx/ops/index.js';
import { dOut, intsAttr, type GradRule } from '../grad_context.js';

/** Transpose by the inverse permutation. */
export const transposeGrad: GradRule = (node, dys) => {
  const perm = intsAttr(node, 'perm');
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  return [op.transpose(dOut(node, dys), inverse)];
};
