/**
 * The gradient checker must be able to fail: wrong gradients (tampered numbers, a deliberately
 * broken rule swapped into the rule table, a missing broadcast reduction) are all caught.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Value } from '../../../src/engine/onnx/graph.js';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { GRAD_RULES } from '../../../src/engine/autodiff/registry.js';
import { dOut, input, type GradRule } from '../../../src/engine/autodiff/grad_context.js';
import { checkGradients, GradientMismatch } from '../../helpers/finite_diff.js';

const table = GRAD_RULES as Map<string, GradRule>;
const saved = new Map<string, GradRule>();

function swapRule(opType: string, rule: GradRule): void {
  if (!saved.has(opType)) saved.set(opType, table.get(opType)!);
  table.set(opType, rule);
}

afterEach(() => {
  for (const [k, r] of saved) table.set(k, r);
  saved.clear();
});

describe('finite-difference checker is not vacuous', () => {
  it('passes the correct Sigmoid rule', async () => {
    const r = await checkGradients({ build: (_g, [a]) => op.sigmoid(a!), inputs: [{ name: 'a', shape: [2, 3] }] });
    expect(r.checked).toBe(6);
    expect(r.maxError).toBeLessThan(1e-8);
  });

  it('catches a wrong Sigmoid rule (dy·y instead of dy·y·(1-y))', async () => {
    swapRule('Sigmoid', (node, dys) => [op.mul(dOut(node, dys), node.outputs[0]!)]);
    await expect(checkGradients({ build: (_g, [a]) => op.sigmoid(a!), inputs: [{ name: 'a', shape: [2, 3] }] })).rejects.toBeInstanceOf(GradientMismatch);
  });

  it('catches a Mul rule that swaps the operands (only visible when a ≠ b)', async () => {
    swapRule('Mul', (node, dys, needs) => {
      const dy = dOut(node, dys);
      return [needs(0) ? op.mul(dy, input(node, 0)) : undefined, needs(1) ? op.mul(dy, input(node, 1)) : undefined];
    });
    await expect(
      checkGradients({ build: (_g, [a, b]) => op.mul(a!, b!), inputs: [{ name: 'a', shape: [3] }, { name: 'b', shape: [3] }] }),
    ).rejects.toBeInstanceOf(GradientMismatch);
  });

  it('catches a Softmax rule that forgets the Σ(dy·y) term (needs distinct output weights)', async () => {
    swapRule('Softmax', (node, dys) => [op.mul(node.outputs[0]!, dOut(node, dys))]);
    await expect(checkGradients({ build: (_g, [a]) => op.softmax(a!, -1), inputs: [{ name: 'a', shape: [2, 3] }] })).rejects.toBeInstanceOf(GradientMismatch);
  });

  it('catches a Transpose rule that reuses the forward perm instead of its inverse', async () => {
    swapRule('Transpose', (node, dys) => {
      const a = node.attrs.perm!;
      return [op.transpose(dOut(node, dys), a.kind === 'ints' ? a.value : [])];
    });
    await expect(checkGradients({ build: (_g, [a]) => op.transpose(a!, [1, 2, 0]), inputs: [{ name: 'a', shape: [2, 2, 2] }] })).rejects.toThrow();
  });

  it('catches a tiny perturbation of one analytic coordinate, also in a sampled large tensor', async () => {
    const build = (_g: unknown, [a, b]: Value[]) => op.matmul(a!, b!);
    const inputs = [{ name: 'a', shape: [8, 8] }, { name: 'b', shape: [8, 8] }];
    const ok = await checkGradients({ build, inputs });
    expect(ok.checked).toBe(80); // 40 sampled coordinates per 64-element input
    // Perturb every coordinate by 1e-5 relative: sampling must hit one of them.
    await expect(
      checkGradients({ build, inputs, tamper: (gs) => gs.map((g) => g.map((x) => x + 1e-5 * Math.max(1, Math.abs(x)))) }),
    ).rejects.toBeInstanceOf(GradientMismatch);
    // A single wrong coordinate in a fully checked input.
    await expect(
      checkGradients({
        build: (_g, [a]) => op.tanh(a!),
        inputs: [{ name: 'a', shape: [5] }],
        tamper: (gs) => gs.map((g) => g.map((x, i) => (i === 3 ? x * (1 + 1e-5) + 1e-5 : x))),
      }),
    ).rejects.toThrow(/a\[3\]/);
  });

  it('catches a rule that ignores broadcasting', async () => {
    // Add's gradient returned unreduced: the gradient has the output's shape, not the input's.
    swapRule('Add', (node, dys, needs) => [needs(0) ? dOut(node, dys) : undefined, needs(1) ? dOut(node, dys) : undefined]);
    await expect(
      checkGradients({ build: (_g, [a, b]) => op.mul(op.add(a!, b!), b!), inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [3] }] }),
    ).rejects.toThrow();
  });
});
