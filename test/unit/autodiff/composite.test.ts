/**
 * The composite mechanism (autodiff/composite.ts, gradients()): a marked region is
 * differentiated by its rule, not by its ops' rules; values inside it that are read outside
 * still get their gradient; a region that reads anything but its inputs and constants is refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { markComposite } from '../../../src/engine/autodiff/composite.js';
import type { CompositeRule } from '../../../src/engine/autodiff/grad_context.js';
import { gradients } from '../../../src/engine/autodiff/gradients.js';
import { COMPOSITE_RULES } from '../../../src/engine/autodiff/registry.js';
import { rmsNorm } from '../../../src/engine/models/parts/norms.js';
import { gatedActivation } from '../../../src/engine/models/parts/activations.js';
import { Graph, type Value } from '../../../src/engine/onnx/graph.js';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { expectSpsError } from '../../helpers/errors.js';
import { checkGradients, GradientMismatch } from '../../helpers/finite_diff.js';

const table = COMPOSITE_RULES as Map<string, CompositeRule>;
const saved = new Map<string, CompositeRule>();
afterEach(() => {
  for (const [k, r] of saved) table.set(k, r);
  saved.clear();
});

/** Op types of the nodes gradients() added to `g` after `from` nodes. */
function gradientOps(g: Graph, from: number): string[] {
  return g.nodes.slice(from).map((n) => n.opType);
}

describe('composite regions in gradients()', () => {
  it('the rule registered for the kind is what differentiates the region (a wrong one is caught)', async () => {
    for (const kind of ['rms_norm', 'swiglu']) {
      saved.set(kind, table.get(kind)!);
      // The right gradients, halved.
      table.set(kind, (c, dy, needs) => saved.get(kind)!(c, op.mul(dy, 0.5), needs));
    }
    await expect(checkGradients({ build: (_g, [x, w]) => rmsNorm(x!, w!, 1e-5), inputs: [{ name: 'x', shape: [2, 3] }, { name: 'w', shape: [3] }] })).rejects.toBeInstanceOf(GradientMismatch);
    await expect(checkGradients({ build: (_g, [a, b]) => gatedActivation('silu', a!, b!), inputs: [{ name: 'a', shape: [2, 3] }, { name: 'b', shape: [2, 3] }] })).rejects.toBeInstanceOf(GradientMismatch);
  });

  it('emits the short backward: RMSNorm without the ReduceMean rule’s Expand or the Div rule’s Neg, SwiGLU without the Sigmoid rule', () => {
    const g = new Graph();
    const x = g.input('x', 'float64', [4, 6]);
    const w = g.input('w', 'float64', [6]);
    const u = g.input('u', 'float64', [4, 6]);
    const y = gatedActivation('silu', rmsNorm(x, w, 1e-5), u);
    const seed = g.input('dy', 'float64', [4, 6]);
    const before = g.nodes.length;
    gradients(y, [x], seed);
    const ops = gradientOps(g, before);
    expect(ops).not.toContain('Expand');
    expect(ops).not.toContain('Neg');
    // swiglu: dy·u, g − a, +1, ·s, ·(dy·u); rms_norm: dy·w, gw·x, mean, /den, /den, x·k, −, /den.
    expect(ops.filter((o) => ['Mul', 'Add', 'Sub', 'Div'].includes(o))).toHaveLength(12);
  });

  it('an internal value on the loss path while the output is not: the ops’ rules give its gradient', async () => {
    await checkGradients({
      build: (_g, [x, w]) => {
        const normed = rmsNorm(x!, w!, 1e-5).producer!.inputs[0]!;
        return op.mul(normed, 2);
      },
      inputs: [{ name: 'x', shape: [2, 3] }, { name: 'w', shape: [3] }],
      wrt: [0],
    });
  });
});

describe('markComposite refuses regions the rule could not differentiate', () => {
  function square(): { g: Graph; x: Value; other: Value; y: Value } {
    const g = new Graph();
    const x = g.input('x', 'float64', [3]);
    const other = g.input('other', 'float64', [3]);
    return { g, x, other, y: op.mul(op.mul(x, other), 2) };
  }

  it('a kind without a rule', () => {
    const { x, y } = square();
    expectSpsError(() => markComposite('no_such_kind', y, [x]), 'INTERNAL', 'no_such_kind', 'no composite rule');
  });

  it('a region reading a value that is not one of its inputs', () => {
    const { x, y } = square();
    expectSpsError(() => markComposite('swiglu', y, [x]), 'INTERNAL', 'composite swiglu', 'reads other', 'neither one of its inputs nor a constant');
  });

  it('an internal value from outside the region, and a second mark of the same output', () => {
    const { x, other, y } = square();
    const outside = op.neg(x);
    expectSpsError(() => markComposite('swiglu', y, [x, other], { s: outside }), 'INTERNAL', `internal value "s" (${outside.name}) is not computed inside the region`);
    markComposite('swiglu', y, [x, other]);
    expectSpsError(() => markComposite('rms_norm', y, [x, other]), 'INTERNAL', 'already marked as composite swiglu');
  });

  it('a graph rewrite that made the region read another value is caught when differentiating', () => {
    const g = new Graph();
    const x = g.input('x', 'float64', [2, 3]);
    const w = g.input('w', 'float64', [3]);
    const x2 = g.input('x2', 'float64', [2, 3]);
    const y = rmsNorm(x, w, 1e-5);
    g.replaceUses(x, x2);
    expectSpsError(() => gradients(op.reduceSum(y, [0, 1], false), [x2]), 'INTERNAL', 'composite rms_norm', 'reads x2');
  });
});
