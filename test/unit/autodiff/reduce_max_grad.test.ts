import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

import { Graph } from '../../../src/engine/onnx/graph.js';
import { GraphSession } from '../../../src/engine/runtime/session.js';
import { gradients } from '../../../src/engine/autodiff/gradients.js';
import { expect } from 'vitest';

// Random uniform data has no ties (with probability 1), and the gaps are far larger than eps.
describe('ReduceMax gradient (no ties)', () => {
  for (const keepdims of [true, false]) {
    for (const axes of [[0], [1], [-1], [0, 2]]) {
      it(`axes [${axes.join(',')}] keepdims=${keepdims}`, async () => {
        await checkGradients({ build: (_g, [a]) => op.reduceMax(a!, axes, keepdims), inputs: [{ name: 'a', shape: [2, 3, 4] }] });
      });
    }
  }
  it('stable softmax pattern x - max(x)', async () => {
    await checkGradients({ build: (_g, [a]) => op.exp(op.sub(a!, op.reduceMax(a!, [-1], true))), inputs: [{ name: 'a', shape: [2, 4] }] });
  });
  it('non-contiguous (transposed) input', async () => {
    await checkGradients({ build: (_g, [a]) => op.reduceMax(op.transpose(a!, [1, 0]), [0], false), inputs: [{ name: 'a', shape: [2, 3] }] });
  });
  it('ties share the gradient equally (documented subgradient)', async () => {
    const g = new Graph();
    const x = g.input('x', 'float64', [4]);
    const loss = op.reduceMax(x, [0], false);
    const [dx] = gradients(loss, [x]);
    g.output(dx!, 'dx');
    const s = await GraphSession.create(g);
    const r = await s.run({ x: { dtype: 'float64', dims: [4], data: Float64Array.from([1, 3, 3, 2]) } });
    expect(Array.from(r.dx!.data as Float64Array)).toEqual([0, 0.5, 0.5, 0]);
    await s.release();
  });
});
