import { SpsError } from '../../../shared/errors.js';
import * as op from '../../onnx/ops/index.js';
import { dOut, input, unbroadcast, type GradRule } from '../grad_context.js';

/** d(a^p)/da = p·a^(p-1). The exponent is a constant in our graphs; its gradient is not built. */
export const powGrad: GradRule = (node, dys, needs) => {
  if (needs(1)) throw new SpsError('INTERNAL', `Pow ${node.name}: gradient with respect to the exponent is not supported`);
  const dy = dOut(node, dys);
  const a = input(node, 0);
  const p = input(node, 1);
  const da = op.mul(op.mul(dy, p), op.pow(a, op.sub(p, 1)));
  return [needs(0) ? unbroadcast(da, a.shape) : undefined, undefined];
};
