import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

describe('Mul gradient', () => {
  it('same shapes', async () => {
    await checkGradients({ build: (_g, [a, b]) => op.mul(a!, b!), inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [2, 3] }] });
  });
  it('broadcasts [3,1,4] with [2,4]', async () => {
    await checkGradients({ build: (_g, [a, b]) => op.mul(a!, b!), inputs: [{ name: 'a', shape: [3, 1, 4] }, { name: 'b', shape: [2, 4] }] });
  });
  it('broadcasts [2,1] with [1,3] (both sides expand)', async () => {
    await checkGradients({ build: (_g, [a, b]) => op.mul(a!, b!), inputs: [{ name: 'a', shape: [2, 1] }, { name: 'b', shape: [1, 3] }] });
  });
  it('scalar operands via numbers', async () => {
    await checkGradients({ build: (_g, [a]) => op.mul(-3, op.mul(a!, 0.5)), inputs: [{ name: 'a', shape: [2, 2] }] });
  });
  it('x·x (one value used twice)', async () => {
    await checkGradients({ build: (_g, [a]) => op.mul(a!, a!), inputs: [{ name: 'a', shape: [5] }] });
  });
  it('non-contiguous (transposed) inputs', async () => {
    await checkGradients({ build: (_g, [a, b]) => op.mul(op.transpose(a!, [1, 0]), op.transpose(b!, [1, 0])), inputs: [{ name: 'a', shape: [3, 2] }, { name: 'b', shape: [1, 2] }] });
  });
  it('frozen operand', async () => {
    await checkGradients({ build: (_g, [a, b]) => op.mul(a!, b!), inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [3] }], wrt: [0] });
  });
});
