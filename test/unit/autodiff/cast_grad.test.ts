import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

import { expect } from 'vitest';
import { Graph } from '../../../src/engine/onnx/graph.js';
import { gradients } from '../../../src/engine/autodiff/gradients.js';

describe('Cast gradient', () => {
  it('float64 → float32 → float64 (looser tolerance for the float32 part)', async () => {
    // The forward value is rounded to float32 (relative 6e-8), so the finite difference needs a
    // large step; tanh keeps the function smooth and non-linear through the float32 section.
    await checkGradients({
      build: (_g, [a]) => op.cast(op.tanh(op.cast(a!, 'float32')), 'float64'),
      inputs: [{ name: 'a', shape: [2, 3] }],
      eps: 1e-3,
      tol: 1e-4,
    });
  });
  it('float32 → float64 on a float32 input', async () => {
    await checkGradients({
      build: (_g, [a]) => op.mul(op.cast(a!, 'float64'), op.cast(a!, 'float64')),
      inputs: [{ name: 'a', shape: [5], dtype: 'float32' }],
      eps: 1e-2,
      tol: 1e-4,
    });
  });
  it('the gradient comes back in the input dtype', () => {
    const g = new Graph();
    const a = g.input('a', 'float64', [3]);
    const loss = op.reduceSum(op.cast(a, 'float32'), [0], false);
    const [da] = gradients(loss, [a]);
    expect(da!.dtype).toBe('float64');
  });
  it('refuses to differentiate through an int → float cast', () => {
    const g = new Graph();
    const a = g.input('a', 'float64', [3]);
    const i = op.cast(a, 'int64');
    const loss = op.reduceSum(op.cast(i, 'float64'), [0], false);
    // Rounding to an integer has no gradient: the loss does not depend differentiably on a.
    expect(() => gradients(loss, [a])).toThrow(/does not depend/);
  });
});
