import { dOut, input, unbroadcast, type GradRule } from '../grad_context.js';

/** d(a+b) = dy, summed back over broadcast axes. */
export const addGrad: GradRule = (node, dys, needs) => {
  const dy = dOut(node, dys);
  return [needs(0) ? unbroadcast(dy, input(node, 0).shape) : undefined, needs(1) ? unbroadcast(dy, input(node, 1).shape) : undefined];
};
