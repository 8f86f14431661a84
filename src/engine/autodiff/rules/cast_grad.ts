import { SpsError } from '../../../shared/errors.js';
import { isFloat } from '../../onnx/dtype.js';
import * as op from '../../onnx/ops/index.js';
import { dOut, input, type GradRule } from '../grad_context.js';

/** A float→float cast passes the gradient through, cast back to the input's dtype. */
export const castGrad: GradRule = (node, dys) => {
  const x = input(node, 0);
  if (!isFloat(x.dtype)) throw new SpsError('INTERNAL', `Cast ${node.name}: cannot differentiate through a cast from ${x.dtype}`);
  return [op.cast(dOut(node, dys), x.dtype)];
};
