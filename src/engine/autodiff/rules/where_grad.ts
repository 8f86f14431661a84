import * as op from '../../onnx/ops/index.js';
import { dOut, input, unbroadcast, type GradRule } from '../grad_context.js';

/** dy flows to X where the condition holds and to Y elsewhere; zeros fill the rest. */
export const whereGrad: GradRule = (node, dys, needs) => {
  const dy = dOut(node, dys);
  const cond = input(node, 0);
  const x = input(node, 1);
  const y = input(node, 2);
  return [
    undefined,
    needs(1) ? unbroadcast(op.where(cond, dy, 0), x.shape) : undefined,
    needs(2) ? unbroadcast(op.where(cond, 0, dy), y.shape) : undefined,
  ];
};
