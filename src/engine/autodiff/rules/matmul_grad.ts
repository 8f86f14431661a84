import * as op from '../../onnx/ops/index.js';
import type { Value } from '../../onnx/graph.js';
import { dOut, input, unbroadcast, type GradRule } from '../grad_context.js';

function swapLast2(x: Value): Value {
  const perm = Array.from({ length: x.rank }, (_, i) => i);
  perm[x.rank - 1] = x.rank - 2;
  perm[x.rank - 2] = x.rank - 1;
  return op.transpose(x, perm);
}

/** dA = dY·Bᵀ, dB = Aᵀ·dY, each summed back over broadcast batch dims. */
export const matmulGrad: GradRule = (node, dys, needs) => {
  const dy = dOut(node, dys);
  const a = input(node, 0);
  const b = input(node, 1);
  return [
    needs(0) ? unbroadcast(op.matmul(dy, swapLast2(b)), a.shape) : undefined,
    needs(1) ? unbroadcast(op.matmul(swapLast2(a), dy), b.shape) : undefined,
  ];
};
