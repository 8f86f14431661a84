import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

describe('ReduceMean gradient', () => {
  for (const keepdims of [true, false]) {
    for (const axes of [[0], [2], [-1], [0, 2], [0, 1, 2]]) {
      it(`axes [${axes.join(',')}] keepdims=${keepdims}`, async () => {
        await checkGradients({ build: (_g, [a]) => op.reduceMean(op.mul(a!, a!), axes, keepdims), inputs: [{ name: 'a', shape: [2, 3, 4] }] });
      });
    }
  }
  it('symbolic dim reduced (count known only at run time)', async () => {
    await checkGradients({ build: (_g, [a]) => op.reduceMean(a!, [1], true), inputs: [{ name: 'a', shape: [2, 5, 3], graphShape: ['B', 'T', 3] }] });
    await checkGradients({ build: (_g, [a]) => op.reduceMean(a!, [0, 1], false), inputs: [{ name: 'a', shape: [2, 5, 3], graphShape: ['B', 'T', 3] }] });
  });
  it('symbolic dim kept, static reduced (RMSNorm style)', async () => {
    await checkGradients({
      build: (_g, [a]) => op.div(a!, op.sqrt(op.add(op.reduceMean(op.mul(a!, a!), [-1], true), 1e-5))),
      inputs: [{ name: 'a', shape: [3, 4], graphShape: ['T', 4] }],
    });
  });
  it('non-contiguous (transposed) input', async () => {
    await checkGradients({ build: (_g, [a]) => op.reduceMean(op.transpose(a!, [1, 0]), [1], false), inputs: [{ name: 'a', shape: [2, 3] }] });
  });
});
