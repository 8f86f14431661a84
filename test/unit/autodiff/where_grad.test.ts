import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

import type { Graph } from '../../../src/engine/onnx/graph.js';

const cond = (g: Graph, shape: number[], bits: number[]) => g.constant(Uint8Array.from(bits), 'bool', shape, 'cond');

describe('Where gradient', () => {
  it('same shapes', async () => {
    await checkGradients({
      build: (g, [x, y]) => op.where(cond(g, [2, 3], [1, 0, 0, 1, 1, 0]), x!, y!),
      inputs: [{ name: 'x', shape: [2, 3] }, { name: 'y', shape: [2, 3] }],
    });
  });
  it('broadcasting condition [3,1,4], X [2,4], Y [4]', async () => {
    const bits = Array.from({ length: 12 }, (_, i) => (i * 7) % 3 === 0 ? 1 : 0);
    await checkGradients({
      build: (g, [x, y]) => op.where(cond(g, [3, 1, 4], bits), x!, y!),
      inputs: [{ name: 'x', shape: [2, 4] }, { name: 'y', shape: [4] }],
    });
  });
  it('scalar branch via a number (masked fill)', async () => {
    await checkGradients({ build: (g, [x]) => op.where(cond(g, [2, 2], [0, 1, 1, 0]), x!, -5), inputs: [{ name: 'x', shape: [2, 2] }] });
    await checkGradients({ build: (g, [y]) => op.where(cond(g, [2, 2], [0, 1, 1, 0]), 0.5, y!), inputs: [{ name: 'y', shape: [2, 2] }] });
  });
  it('condition computed from the differentiated input (relu-like)', async () => {
    // Values away from 0 so the finite difference does not cross the kink.
    await checkGradients({
      build: (_g, [x]) => op.where(op.greater(x!, 0), x!, op.mul(x!, 0.1)),
      inputs: [{ name: 'x', shape: [6], data: Float64Array.from([-0.9, -0.4, 0.3, 0.8, -0.2, 0.5]) }],
    });
  });
  it('non-contiguous (transposed) X', async () => {
    await checkGradients({
      build: (g, [x, y]) => op.where(cond(g, [3, 2], [1, 1, 0, 1, 0, 0]), op.transpose(x!, [1, 0]), y!),
      inputs: [{ name: 'x', shape: [2, 3] }, { name: 'y', shape: [3, 1] }],
    });
  });
});
