import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

describe('Exp gradient', () => {
  it('plain', async () => {
    await checkGradients({ build: (_g, [a]) => op.exp(a!), inputs: [{ name: 'a', shape: [2, 3] }] });
  });
  it('wide inputs (scaled by 3)', async () => {
    await checkGradients({ build: (_g, [a]) => op.exp(op.mul(a!, 3)), inputs: [{ name: 'a', shape: [7] }] });
  });
  it('non-contiguous (transposed) input', async () => {
    await checkGradients({ build: (_g, [a]) => op.exp(op.transpose(a!, [2, 1, 0])), inputs: [{ name: 'a', shape: [2, 3, 2] }] });
  });
});
