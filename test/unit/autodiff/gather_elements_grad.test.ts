import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

import { int64Data } from '../../helpers/finite_diff.js';

describe('GatherElements gradient', () => {
  it('axis -1 picks (log-prob of targets) with repeats', async () => {
    await checkGradients({
      build: (_g, [x, ids]) => op.gatherElements(op.logSoftmax(x!, -1), ids!, -1),
      inputs: [{ name: 'x', shape: [3, 4] }, { name: 'ids', shape: [3, 1], dtype: 'int64', data: int64Data([1, 3, 0]) }],
    });
  });
  it('axis 0 with repeated indices and a wider index tensor', async () => {
    await checkGradients({
      build: (_g, [x, ids]) => op.gatherElements(x!, ids!, 0),
      inputs: [{ name: 'x', shape: [3, 2] }, { name: 'ids', shape: [4, 2], dtype: 'int64', data: int64Data([0, 1, 2, 1, 0, 1, 2, 2]) }],
    });
  });
  it('3-D, axis 1', async () => {
    await checkGradients({
      build: (_g, [x, ids]) => op.gatherElements(x!, ids!, 1),
      inputs: [{ name: 'x', shape: [2, 3, 2] }, { name: 'ids', shape: [2, 2, 2], dtype: 'int64', data: int64Data([0, 2, 2, 2, 1, 0, 1, 1]) }],
    });
  });
  it('non-contiguous (transposed) data', async () => {
    await checkGradients({
      build: (_g, [x, ids]) => op.gatherElements(op.transpose(x!, [1, 0]), ids!, 1),
      inputs: [{ name: 'x', shape: [3, 2] }, { name: 'ids', shape: [2, 2], dtype: 'int64', data: int64Data([2, 2, 0, 1]) }],
    });
  });
});
