import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

describe('Neg gradient', () => {
  it('plain', async () => {
    await checkGradients({ build: (_g, [a]) => op.neg(a!), inputs: [{ name: 'a', shape: [2, 3] }] });
  });
  it('non-contiguous (transposed) input', async () => {
    await checkGradients({ build: (_g, [a]) => op.neg(op.transpose(a!, [1, 0])), inputs: [{ name: 'a', shape: [2, 3] }] });
  });
});
