import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

import { randomData } from '../../helpers/finite_diff.js';

describe('Log gradient (positive inputs)', () => {
  it('plain', async () => {
    await checkGradients({ build: (_g, [a]) => op.log(a!), inputs: [{ name: 'a', shape: [2, 3], data: randomData(6, 11, 0.3, 3) }] });
  });
  it('non-contiguous (transposed) input', async () => {
    await checkGradients({ build: (_g, [a]) => op.log(op.transpose(a!, [1, 0])), inputs: [{ name: 'a', shape: [3, 2], data: randomData(6, 12, 0.3, 3) }] });
  });
  it('composed with its input (x · log(x))', async () => {
    await checkGradients({ build: (_g, [a]) => op.mul(a!, op.log(a!)), inputs: [{ name: 'a', shape: [4], data: randomData(4, 13, 0.3, 3) }] });
  });
});
