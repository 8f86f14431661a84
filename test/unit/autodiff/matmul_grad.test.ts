import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

const mm = (shapeA: number[], shapeB: number[]) =>
  checkGradients({ build: (_g, [a, b]) => op.matmul(a!, b!), inputs: [{ name: 'a', shape: shapeA }, { name: 'b', shape: shapeB }] });

describe('MatMul gradient', () => {
  it('2-D', async () => {
    await mm([3, 4], [4, 2]);
  });
  it('batched 3-D', async () => {
    await mm([2, 3, 4], [2, 4, 5]);
  });
  it('batched 4-D', async () => {
    await mm([2, 2, 3, 4], [2, 2, 4, 3]);
  });
  it('3-D by 2-D (shared weight) and 2-D by 3-D', async () => {
    await mm([2, 3, 4], [4, 2]);
    await mm([3, 4], [2, 4, 2]);
  });
  it('broadcast batch dims [2,1,3,4] × [5,4,2]', async () => {
    await mm([2, 1, 3, 4], [5, 4, 2]);
  });
  it('5-D GQA-like [B,kv,g,T,hd] × [B,kv,1,hd,T]', async () => {
    await mm([2, 2, 3, 4, 3], [2, 2, 1, 3, 4]);
  });
  it('non-contiguous (transposed) operands, as in q·kᵀ', async () => {
    await checkGradients({
      build: (_g, [q, k]) => op.matmul(op.transpose(q!, [1, 0, 2]), op.transpose(k!, [1, 2, 0])),
      inputs: [{ name: 'q', shape: [3, 2, 4] }, { name: 'k', shape: [3, 2, 4] }],
    });
  });
  it('frozen right operand', async () => {
    await checkGradients({ build: (_g, [a, b]) => op.matmul(a!, b!), inputs: [{ name: 'a', shape: [2, 3, 4] }, { name: 'b', shape: [4, 2] }], wrt: [0] });
  });
  it('same value as both operands (x·x)', async () => {
    await checkGradients({ build: (_g, [a]) => op.matmul(a!, a!), inputs: [{ name: 'a', shape: [3, 3] }] });
  });
});
