import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

describe('Expand gradient', () => {
  it('[3,1] → [2,3,4]', async () => {
    await checkGradients({ build: (_g, [a]) => op.expand(a!, [2, 3, 4]), inputs: [{ name: 'a', shape: [3, 1] }] });
  });
  it('[1,4] → [3,4] and rank-0 → [2,2]', async () => {
    await checkGradients({ build: (_g, [a]) => op.expand(a!, [3, 4]), inputs: [{ name: 'a', shape: [1, 4] }] });
    await checkGradients({ build: (_g, [a]) => op.expand(a!, [2, 2]), inputs: [{ name: 'a', shape: [] }] });
  });
  it('to a symbolic shape [B,3]', async () => {
    await checkGradients({
      build: (_g, [a, b]) => op.mul(op.expand(a!, ['B', 3]), b!),
      inputs: [{ name: 'a', shape: [1, 3] }, { name: 'b', shape: [4, 3], graphShape: ['B', 3] }],
    });
  });
  it('non-contiguous (transposed) input', async () => {
    await checkGradients({ build: (_g, [a]) => op.expand(op.transpose(a!, [1, 0]), [2, 3, 2]), inputs: [{ name: 'a', shape: [2, 3] }] });
  });
});
