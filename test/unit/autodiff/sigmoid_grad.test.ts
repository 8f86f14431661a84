import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

describe('Sigmoid gradient', () => {
  it('plain', async () => {
    await checkGradients({ build: (_g, [a]) => op.sigmoid(a!), inputs: [{ name: 'a', shape: [2, 3] }] });
  });
  it('wide inputs (scaled by 3)', async () => {
    await checkGradients({ build: (_g, [a]) => op.sigmoid(op.mul(a!, 3)), inputs: [{ name: 'a', shape: [7] }] });
  });
  it('non-contiguous (transposed) input', async () => {
    await checkGradients({ build: (_g, [a]) => op.sigmoid(op.transpose(a!, [2, 1, 0])), inputs: [{ name: 'a', shape: [2, 3, 2] }] });
  });
});
