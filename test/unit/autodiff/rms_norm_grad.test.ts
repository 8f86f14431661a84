/**
 * The RMSNorm composite rule (autodiff/rules/rms_norm_grad.ts) against finite differences,
 * through rmsNorm exactly as the models build it.
 */
import { describe, expect, it } from 'vitest';
import type { Value } from '../../../src/engine/onnx/graph.js';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { rmsNorm } from '../../../src/engine/models/parts/norms.js';
import { checkGradients } from '../../helpers/finite_diff.js';

/** rmsNorm's internal values, found from its output: Mul(Div(x, den), w). */
function internals(y: Value): { normed: Value; den: Value } {
  const normed = y.producer!.inputs[0]!;
  return { normed, den: normed.producer!.inputs[1]! };
}

describe('RMSNorm composite gradient', () => {
  it('x and the weight (dw needed)', async () => {
    await checkGradients({ build: (_g, [x, w]) => rmsNorm(x!, w!, 1e-5), inputs: [{ name: 'x', shape: [3, 5] }, { name: 'w', shape: [5] }] });
  });

  it('x only, frozen weight, rank 3 (rows of heads, as qwen3 q/k norms)', async () => {
    await checkGradients({ build: (_g, [x, w]) => rmsNorm(x!, w!, 1e-6), inputs: [{ name: 'x', shape: [2, 3, 4] }, { name: 'w', shape: [4] }], wrt: [0] });
  });

  it('the weight only', async () => {
    await checkGradients({ build: (_g, [x, w]) => rmsNorm(x!, w!, 1e-6), inputs: [{ name: 'x', shape: [4, 3] }, { name: 'w', shape: [3] }], wrt: [1] });
  });

  it('large and tiny rows (ε matters for the tiny one)', async () => {
    const x = Float64Array.from([30, -20, 45, 10, 1e-3, -2e-3, 5e-4, 1e-3]);
    await checkGradients({ build: (_g, [a, w]) => rmsNorm(a!, w!, 1e-5), inputs: [{ name: 'x', shape: [2, 4], data: x }, { name: 'w', shape: [4] }], eps: 1e-7 });
  });

  it('internal values read outside the region (the denominator, the normalised rows) and x read by a residual', async () => {
    const r = await checkGradients({
      build: (_g, [x, w]) => {
        const y = rmsNorm(x!, w!, 1e-5);
        const { normed, den } = internals(y);
        return op.add(op.add(op.add(y, op.mul(normed, normed)), op.mul(den, 3)), x!);
      },
      inputs: [{ name: 'x', shape: [3, 4] }, { name: 'w', shape: [4] }],
    });
    expect(r.checked).toBe(16);
  });

  it('a norm of a norm (the composite output is another composite input)', async () => {
    await checkGradients({ build: (_g, [x, w]) => rmsNorm(op.mul(rmsNorm(x!, w!, 1e-5), 2), w!, 1e-5), inputs: [{ name: 'x', shape: [2, 5] }, { name: 'w', shape: [5] }] });
  });
});
