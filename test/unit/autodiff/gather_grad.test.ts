import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

import { int64Data } from '../../helpers/finite_diff.js';

describe('Gather gradient', () => {
  it('axis 0 with repeated indices (embedding lookup)', async () => {
    await checkGradients({
      build: (_g, [emb, ids]) => op.gather(emb!, ids!, 0),
      inputs: [{ name: 'emb', shape: [5, 3] }, { name: 'ids', shape: [6], dtype: 'int64', data: int64Data([1, 3, 1, 0, 1, 4]) }],
    });
  });
  it('axis 0 with 2-D indices', async () => {
    await checkGradients({
      build: (_g, [emb, ids]) => op.gather(emb!, ids!, 0),
      inputs: [{ name: 'emb', shape: [4, 2, 3] }, { name: 'ids', shape: [2, 3], dtype: 'int64', data: int64Data([0, 2, 2, 3, 0, 0]) }],
    });
  });
  it('axis 1 with repeated indices', async () => {
    await checkGradients({
      build: (_g, [x, ids]) => op.gather(x!, ids!, 1),
      inputs: [{ name: 'x', shape: [2, 4, 3] }, { name: 'ids', shape: [3], dtype: 'int64', data: int64Data([3, 0, 3]) }],
    });
  });
  it('axis 1 with 2-D indices, and last axis (-1)', async () => {
    await checkGradients({
      build: (_g, [x, ids]) => op.gather(x!, ids!, 1),
      inputs: [{ name: 'x', shape: [2, 4, 3] }, { name: 'ids', shape: [2, 2], dtype: 'int64', data: int64Data([1, 2, 2, 0]) }],
    });
    await checkGradients({
      build: (_g, [x, ids]) => op.gather(x!, ids!, -1),
      inputs: [{ name: 'x', shape: [2, 4, 3] }, { name: 'ids', shape: [2, 2], dtype: 'int64', data: int64Data([1, 2, 2, 0]) }],
    });
  });
  it('scalar index', async () => {
    await checkGradients({
      build: (_g, [x, ids]) => op.gather(x!, ids!, 0),
      inputs: [{ name: 'x', shape: [3, 2] }, { name: 'ids', shape: [], dtype: 'int64', data: int64Data([2]) }],
    });
  });
  it('int32 indices declared by the build function (extraFeeds)', async () => {
    await checkGradients({
      build: (g, [x]) => op.gather(x!, g.input('ids32', 'int32', [4]), 0),
      inputs: [{ name: 'x', shape: [3, 2] }],
      extraFeeds: { ids32: { dtype: 'int32', dims: [4], data: Int32Array.from([2, 0, 2, 2]) } },
    });
  });
  it('non-contiguous (transposed) data', async () => {
    await checkGradients({
      build: (_g, [x, ids]) => op.gather(op.transpose(x!, [1, 0]), ids!, 0),
      inputs: [{ name: 'x', shape: [2, 4] }, { name: 'ids', shape: [3], dtype: 'int64', data: int64Data([3, 3, 1]) }],
    });
  });
});
