import { describe, it } from 'vitest';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { checkGradients } from '../../helpers/finite_diff.js';

describe('Gemm gradient', () => {
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      it(`transA=${transA} transB=${transB}, alpha/beta, bias [N]`, async () => {
        const M = 3, K = 4, N = 2;
        await checkGradients({
          build: (_g, [a, b, c]) => op.gemm(a!, b!, c!, { transA, transB, alpha: 0.75, beta: -1.5 }),
          inputs: [
            { name: 'a', shape: transA ? [K, M] : [M, K] },
            { name: 'b', shape: transB ? [N, K] : [K, N] },
            { name: 'c', shape: [N] },
          ],
        });
      });
      it(`transA=${transA} transB=${transB}, bias [M,N], defaults`, async () => {
        const M = 2, K = 3, N = 4;
        await checkGradients({
          build: (_g, [a, b, c]) => op.gemm(a!, b!, c!, { transA, transB }),
          inputs: [
            { name: 'a', shape: transA ? [K, M] : [M, K] },
            { name: 'b', shape: transB ? [N, K] : [K, N] },
            { name: 'c', shape: [M, N] },
          ],
        });
      });
    }
  }
  it('no bias, bias [M,1] and scalar bias', async () => {
    await checkGradients({ build: (_g, [a, b]) => op.gemm(a!, b!, undefined, { alpha: 2 }), inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [3, 2] }] });
    await checkGradients({ build: (_g, [a, b, c]) => op.gemm(a!, b!, c!, { beta: 0.5 }), inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [3, 2] }, { name: 'c', shape: [2, 1] }] });
    await checkGradients({ build: (_g, [a, b, c]) => op.gemm(a!, b!, c!, { beta: 3 }), inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [3, 2] }, { name: 'c', shape: [] }] });
  });
  it('frozen weight (linear layer, transB) only differentiates A', async () => {
    await checkGradients({ build: (_g, [a, w, c]) => op.gemm(a!, w!, c!, { transB: true }), inputs: [{ name: 'a', shape: [3, 4] }, { name: 'w', shape: [5, 4] }, { name: 'c', shape: [5] }], wrt: [0] });
  });
  it('non-contiguous (transposed) operands', async () => {
    await checkGradients({
      build: (_g, [a, b]) => op.gemm(op.transpose(a!, [1, 0]), b!, undefined, { transB: true }),
      inputs: [{ name: 'a', shape: [4, 3] }, { name: 'b', shape: [2, 4] }],
    });
  });
});
