import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

describe('Transpose gradient', () => {
  for (const perm of [[1, 0, 2], [2, 0, 1], [1, 2, 0], [2, 1, 0]]) {
    it(`perm [${perm.join(',')}]`, async () => {
      await checkGradients({ build: (_g, [a]) => op.transpose(a!, perm), inputs: [{ name: 'a', shape: [2, 3, 4] }] });
    });
  }
  it('4-D perm [0,2,1,3] (heads) and back', async () => {
    await checkGradients({ build: (_g, [a]) => op.mul(op.transpose(a!, [0, 2, 1, 3]), op.transpose(a!, [0, 2, 1, 3])), inputs: [{ name: 'a', shape: [1, 2, 3, 2] }] });
  });
});
