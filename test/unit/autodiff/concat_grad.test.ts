import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

describe('Concat gradient', () => {
  it('static sizes along axis 1, three pieces', async () => {
    await checkGradients({
      build: (_g, [a, b, c]) => op.concat([a!, b!, c!], 1),
      inputs: [{ name: 'a', shape: [2, 1, 3] }, { name: 'b', shape: [2, 2, 3] }, { name: 'c', shape: [2, 3, 3] }],
    });
  });
  it('axis 0 and negative axis, one piece frozen', async () => {
    await checkGradients({ build: (_g, [a, b]) => op.concat([a!, b!], 0), inputs: [{ name: 'a', shape: [1, 3] }, { name: 'b', shape: [2, 3] }] });
    await checkGradients({ build: (_g, [a, b]) => op.concat([a!, b!], -1), inputs: [{ name: 'a', shape: [2, 2] }, { name: 'b', shape: [2, 3] }], wrt: [1] });
  });
  it('the same value twice', async () => {
    await checkGradients({ build: (_g, [a]) => op.concat([a!, a!], 0), inputs: [{ name: 'a', shape: [2, 2] }] });
  });
  it('symbolic size: a constant [2,3] piece then an input declared [L,3]', async () => {
    await checkGradients({
      build: (g, [x]) => op.concat([g.constant(Float64Array.from([1, 2, 3, 4, 5, 6]), 'float64', [2, 3], 'prefix'), x!], 0),
      inputs: [{ name: 'x', shape: [4, 3], graphShape: ['L', 3] }],
    });
  });
  it('symbolic size in the middle, with differentiated static pieces on both sides', async () => {
    await checkGradients({
      build: (_g, [p, x, s]) => op.concat([p!, x!, s!], 1),
      inputs: [
        { name: 'p', shape: [2, 2] },
        { name: 'x', shape: [2, 3], graphShape: [2, 'L'] },
        { name: 's', shape: [2, 1] },
      ],
    });
  });
  it('non-contiguous (transposed) piece', async () => {
    await checkGradients({ build: (_g, [a, b]) => op.concat([op.transpose(a!, [1, 0]), b!], 0), inputs: [{ name: 'a', shape: [3, 2] }, { name: 'b', shape: [1, 3] }] });
  });
});
