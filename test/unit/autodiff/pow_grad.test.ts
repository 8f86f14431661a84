import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

import { expect } from 'vitest';
import { Graph } from '../../../src/engine/onnx/graph.js';
import { gradients } from '../../../src/engine/autodiff/gradients.js';
import { randomData } from '../../helpers/finite_diff.js';

const pos = (n: number, seed: number) => randomData(n, seed, 0.5, 2);

describe('Pow gradient (constant exponent, positive base)', () => {
  it('number exponents', async () => {
    for (const p of [2, 3, 0.5, -1.5]) {
      await checkGradients({ build: (_g, [a]) => op.pow(a!, p), inputs: [{ name: 'a', shape: [2, 3], data: pos(6, 1) }] });
    }
  });
  it('constant exponent tensor [4] broadcast against base [3,4]', async () => {
    await checkGradients({
      build: (g, [a]) => op.pow(a!, g.constant(Float64Array.from([1, 2, 0.5, -2]), 'float64', [4], 'p')),
      inputs: [{ name: 'a', shape: [3, 4], data: pos(12, 2) }],
    });
  });
  it('base broadcast up by a constant exponent of larger shape', async () => {
    await checkGradients({
      build: (g, [a]) => op.pow(a!, g.constant(Float64Array.from([1, 2, 3, 0.5, 1.5, 2.5]), 'float64', [2, 3], 'p')),
      inputs: [{ name: 'a', shape: [3], data: pos(3, 3) }],
    });
  });
  it('non-contiguous (transposed) base', async () => {
    await checkGradients({ build: (_g, [a]) => op.pow(op.transpose(a!, [1, 0]), 3), inputs: [{ name: 'a', shape: [2, 3], data: pos(6, 4) }] });
  });
  it('refuses a differentiated exponent', () => {
    const g = new Graph();
    const a = g.input('a', 'float64', [2]);
    const p = g.input('p', 'float64', [2]);
    const loss = op.reduceSum(op.pow(a, p), [0], false);
    expect(() => gradients(loss, [p])).toThrow(/exponent/);
  });
});
