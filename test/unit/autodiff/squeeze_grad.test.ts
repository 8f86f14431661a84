import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

describe('Squeeze gradient', () => {
  it('one and two axes, negative axis', async () => {
    await checkGradients({ build: (_g, [a]) => op.squeeze(a!, [1]), inputs: [{ name: 'a', shape: [2, 1, 3] }] });
    await checkGradients({ build: (_g, [a]) => op.squeeze(a!, [0, 2]), inputs: [{ name: 'a', shape: [1, 3, 1] }] });
    await checkGradients({ build: (_g, [a]) => op.squeeze(a!, [-1]), inputs: [{ name: 'a', shape: [3, 1] }] });
  });
  it('non-contiguous (transposed) input', async () => {
    await checkGradients({ build: (_g, [a]) => op.squeeze(op.transpose(a!, [1, 0, 2]), [0]), inputs: [{ name: 'a', shape: [2, 1, 3] }] });
  });
});
