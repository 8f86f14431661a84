import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

import { randomData } from '../../helpers/finite_diff.js';

const pos = (n: number, seed: number) => randomData(n, seed, 0.5, 2);

describe('Div gradient', () => {
  it('same shapes', async () => {
    await checkGradients({ build: (_g, [a, b]) => op.div(a!, b!), inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [2, 3], data: pos(6, 1) }] });
  });
  it('broadcasts [3,1,4] with [2,4] (both orders)', async () => {
    await checkGradients({ build: (_g, [a, b]) => op.div(a!, b!), inputs: [{ name: 'a', shape: [3, 1, 4] }, { name: 'b', shape: [2, 4], data: pos(8, 2) }] });
    await checkGradients({ build: (_g, [a, b]) => op.div(b!, a!), inputs: [{ name: 'a', shape: [3, 1, 4], data: pos(12, 3) }, { name: 'b', shape: [2, 4] }] });
  });
  it('scalar operands via numbers (numerator and denominator)', async () => {
    await checkGradients({ build: (_g, [a]) => op.div(2, op.div(a!, 4)), inputs: [{ name: 'a', shape: [3], data: pos(3, 4) }] });
  });
  it('non-contiguous (transposed) denominator', async () => {
    await checkGradients({ build: (_g, [a, b]) => op.div(a!, op.transpose(b!, [1, 0])), inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [3, 2], data: pos(6, 5) }] });
  });
  it('only the denominator differentiated', async () => {
    await checkGradients({ build: (_g, [a, b]) => op.div(a!, b!), inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [3], data: pos(3, 6) }], wrt: [1] });
  });
});
