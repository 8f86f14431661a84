import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

describe('Unsqueeze gradient', () => {
  it('leading, middle, trailing and negative axes', async () => {
    for (const axes of [[0], [1], [2], [-1], [0, 3]]) {
      await checkGradients({ build: (_g, [a]) => op.unsqueeze(a!, axes), inputs: [{ name: 'a', shape: [2, 3] }] });
    }
  });
  it('followed by a broadcast (gradient sums over the new axis)', async () => {
    await checkGradients({ build: (_g, [a, b]) => op.mul(op.unsqueeze(a!, [1]), b!), inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [2, 4, 3] }] });
  });
  it('non-contiguous (transposed) input', async () => {
    await checkGradients({ build: (_g, [a]) => op.unsqueeze(op.transpose(a!, [1, 0]), [0]), inputs: [{ name: 'a', shape: [2, 3] }] });
  });
});
