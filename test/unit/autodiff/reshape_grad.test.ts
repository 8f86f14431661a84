import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

describe('Reshape gradient', () => {
  it('[2,3,4] → [6,4] → [4,6]', async () => {
    await checkGradients({ build: (_g, [a]) => op.mul(op.reshape(op.reshape(a!, [6, 4]), [4, 6]), op.reshape(a!, [4, 6])), inputs: [{ name: 'a', shape: [2, 3, 4] }] });
  });
  it('non-contiguous (transposed) input', async () => {
    await checkGradients({ build: (_g, [a]) => op.reshape(op.transpose(a!, [1, 0, 2]), [3, 8]), inputs: [{ name: 'a', shape: [2, 3, 4] }] });
  });
  it('symbolic dims [B,T,6] → [B,T,2,3]', async () => {
    await checkGradients({
      build: (_g, [a]) => op.reshape(a!, ['B', 'T', 2, 3]),
      inputs: [{ name: 'a', shape: [2, 3, 6], graphShape: ['B', 'T', 6] }],
    });
  });
  it('symbolic merge [B,T,4] → [B*T,4]', async () => {
    await checkGradients({
      build: (_g, [a]) => op.reshape(a!, ['B*T', 4]),
      inputs: [{ name: 'a', shape: [2, 3, 4], graphShape: ['B', 'T', 4] }],
    });
  });
});
