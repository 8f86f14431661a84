import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

describe('Identity gradient', () => {
  it('plain', async () => {
    await checkGradients({ build: (_g, [a]) => op.identity(a!), inputs: [{ name: 'a', shape: [2, 3] }] });
  });
  it('a chain, mixed with another use of the input', async () => {
    await checkGradients({ build: (_g, [a]) => op.mul(op.identity(op.identity(a!)), a!), inputs: [{ name: 'a', shape: [4] }] });
  });
});
