import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

describe('LogSoftmax gradient', () => {
  for (const axis of [-1, 0, 1, 2]) {
    it(`axis ${axis} of a [2,3,4] input`, async () => {
      await checkGradients({ build: (_g, [a]) => op.logSoftmax(op.mul(a!, 2), axis), inputs: [{ name: 'a', shape: [2, 3, 4] }] });
    });
  }
  it('non-contiguous (transposed) input', async () => {
    await checkGradients({ build: (_g, [a]) => op.logSoftmax(op.transpose(a!, [1, 0]), 1), inputs: [{ name: 'a', shape: [4, 3] }] });
  });
});
