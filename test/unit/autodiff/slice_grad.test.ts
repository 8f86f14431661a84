import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

describe('Slice gradient', () => {
  it('middle, prefix and suffix slices on several axes', async () => {
    await checkGradients({ build: (_g, [a]) => op.slice(a!, 1, 1, 3), inputs: [{ name: 'a', shape: [2, 4, 3] }] });
    await checkGradients({ build: (_g, [a]) => op.slice(a!, 0, 0, 1), inputs: [{ name: 'a', shape: [2, 4, 3] }] });
    await checkGradients({ build: (_g, [a]) => op.slice(a!, -1, 1, 3), inputs: [{ name: 'a', shape: [2, 4, 3] }] });
  });
  it('negative start/end and an end past the size', async () => {
    await checkGradients({ build: (_g, [a]) => op.slice(a!, 1, -3, -1), inputs: [{ name: 'a', shape: [2, 5] }] });
    await checkGradients({ build: (_g, [a]) => op.slice(a!, 1, 2, 100), inputs: [{ name: 'a', shape: [2, 5] }] });
  });
  it('two overlapping slices of one input (gradients accumulate)', async () => {
    await checkGradients({ build: (_g, [a]) => op.mul(op.slice(a!, 0, 0, 3), op.slice(a!, 0, 1, 4)), inputs: [{ name: 'a', shape: [4, 2] }] });
  });
  it('non-contiguous (transposed) input', async () => {
    await checkGradients({ build: (_g, [a]) => op.slice(op.transpose(a!, [1, 0]), 0, 1, 3), inputs: [{ name: 'a', shape: [3, 4] }] });
  });
});
