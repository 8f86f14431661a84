import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

describe('Split gradient', () => {
  it('all pieces used, axis 1', async () => {
    await checkGradients({
      build: (_g, [a]) => {
        const [p, q, r] = op.split(a!, 1, [1, 2, 3]);
        return op.concat([op.mul(p!, 2), op.exp(q!), op.neg(r!)], 1);
      },
      inputs: [{ name: 'a', shape: [2, 6] }],
    });
  });
  it('an unused piece gets zeros', async () => {
    await checkGradients({
      build: (_g, [a]) => {
        const [p, , r] = op.split(a!, 0, [1, 2, 1]);
        return op.mul(p!, r!);
      },
      inputs: [{ name: 'a', shape: [4, 3] }],
    });
  });
  it('only one piece used, negative axis', async () => {
    await checkGradients({ build: (_g, [a]) => op.split(a!, -1, [2, 2])[1]!, inputs: [{ name: 'a', shape: [3, 4] }] });
  });
  it('non-contiguous (transposed) input', async () => {
    await checkGradients({
      build: (_g, [a]) => {
        const [p, q] = op.split(op.transpose(a!, [1, 0]), 0, [2, 1]);
        return op.sub(op.reduceSum(p!, [0], true), q!);
      },
      inputs: [{ name: 'a', shape: [4, 3] }],
    });
  });
});
