import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

describe('Sub gradient', () => {
  it('same shapes', async () => {
    await checkGradients({ build: (_g, [a, b]) => op.sub(a!, b!), inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [2, 3] }] });
  });
  it('broadcasts [3,1,4] with [2,4] (and the reverse order)', async () => {
    await checkGradients({ build: (_g, [a, b]) => op.sub(a!, b!), inputs: [{ name: 'a', shape: [3, 1, 4] }, { name: 'b', shape: [2, 4] }] });
    await checkGradients({ build: (_g, [a, b]) => op.sub(b!, a!), inputs: [{ name: 'a', shape: [3, 1, 4] }, { name: 'b', shape: [2, 4] }] });
  });
  it('scalar operands via numbers on either side', async () => {
    await checkGradients({ build: (_g, [a]) => op.sub(1.5, op.sub(a!, 0.25)), inputs: [{ name: 'a', shape: [3] }] });
  });
  it('non-contiguous (transposed) input', async () => {
    await checkGradients({ build: (_g, [a, b]) => op.sub(b!, op.transpose(a!, [2, 0, 1])), inputs: [{ name: 'a', shape: [2, 3, 4] }, { name: 'b', shape: [4, 1, 3] }] });
  });
  it('only the subtrahend differentiated', async () => {
    await checkGradients({ build: (_g, [a, b]) => op.sub(a!, b!), inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [1, 3] }], wrt: [1] });
  });
});
