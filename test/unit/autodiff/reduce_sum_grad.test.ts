import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

describe('ReduceSum gradient', () => {
  for (const keepdims of [true, false]) {
    for (const axes of [[0], [1], [2], [-1], [0, 2], [0, 1, 2]]) {
      it(`axes [${axes.join(',')}] keepdims=${keepdims}`, async () => {
        await checkGradients({ build: (_g, [a]) => op.reduceSum(op.mul(a!, a!), axes, keepdims), inputs: [{ name: 'a', shape: [2, 3, 4] }] });
      });
    }
  }
  it('symbolic dim reduced', async () => {
    await checkGradients({ build: (_g, [a]) => op.reduceSum(a!, [1], false), inputs: [{ name: 'a', shape: [2, 5], graphShape: [2, 'T'] }] });
  });
  it('non-contiguous (transposed) input', async () => {
    await checkGradients({ build: (_g, [a]) => op.reduceSum(op.transpose(a!, [1, 0]), [0], true), inputs: [{ name: 'a', shape: [2, 3] }] });
  });
});
