import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

describe('Add gradient', () => {
  it('same shapes', async () => {
    await checkGradients({ build: (_g, [a, b]) => op.add(a!, b!), inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [2, 3] }] });
  });
  it('broadcasts [3,1,4] with [2,4]', async () => {
    await checkGradients({ build: (_g, [a, b]) => op.add(a!, b!), inputs: [{ name: 'a', shape: [3, 1, 4] }, { name: 'b', shape: [2, 4] }] });
  });
  it('scalar operand via a number, both sides', async () => {
    await checkGradients({ build: (_g, [a]) => op.add(2.5, op.add(a!, -1)), inputs: [{ name: 'a', shape: [2, 3] }] });
  });
  it('rank-0 input against a matrix', async () => {
    await checkGradients({ build: (_g, [a, b]) => op.add(a!, b!), inputs: [{ name: 'a', shape: [] }, { name: 'b', shape: [2, 3] }] });
  });
  it('non-contiguous (transposed) inputs', async () => {
    await checkGradients({
      build: (_g, [a, b]) => op.add(op.transpose(a!, [1, 0]), b!),
      inputs: [{ name: 'a', shape: [4, 3] }, { name: 'b', shape: [3, 1] }],
    });
  });
  it('same value on both sides accumulates', async () => {
    await checkGradients({ build: (_g, [a]) => op.add(a!, a!), inputs: [{ name: 'a', shape: [2, 2] }] });
  });
  it('only one operand differentiated', async () => {
    await checkGradients({ build: (_g, [a, b]) => op.add(a!, b!), inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [3] }], wrt: [1] });
  });
});
