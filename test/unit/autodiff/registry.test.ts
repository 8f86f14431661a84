import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Graph } from '../../../src/engine/onnx/graph.js';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { gradients } from '../../../src/engine/autodiff/gradients.js';
import { buildRuleTable, COMPOSITE_RULE_LIST, COMPOSITE_RULES, GRAD_RULE_LIST, GRAD_RULES } from '../../../src/engine/autodiff/registry.js';
import { identityGrad } from '../../../src/engine/autodiff/rules/identity_grad.js';
import { GraphSession } from '../../../src/engine/runtime/session.js';
import { expectSpsError } from '../../helpers/errors.js';

const here = dirname(fileURLToPath(import.meta.url));
const snake = (s: string) => s.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();

describe('gradient rule registry', () => {
  it('buildRuleTable refuses an op registered twice', () => {
    expectSpsError(() => buildRuleTable([['Identity', identityGrad], ['Neg', identityGrad], ['Identity', identityGrad]]), 'INTERNAL', 'Identity', 'registered twice');
  });

  it('GRAD_RULE_LIST has no duplicates and GRAD_RULES holds every entry', () => {
    const names = GRAD_RULE_LIST.map(([n]) => n);
    expect(new Set(names).size).toBe(names.length);
    expect(GRAD_RULES.size).toBe(names.length);
    for (const [n, r] of GRAD_RULE_LIST) expect(GRAD_RULES.get(n)).toBe(r);
  });

  it('every rule has a finite-difference test file here', () => {
    const missing = GRAD_RULE_LIST.map(([n]) => n).filter((n) => ![snake(n), n.toLowerCase()].some((s) => existsSync(join(here, `${s}_grad.test.ts`))));
    expect(missing).toEqual([]);
  });

  it('every composite rule is in COMPOSITE_RULES and has a finite-difference test file here', () => {
    expect(COMPOSITE_RULES.size).toBe(COMPOSITE_RULE_LIST.length);
    const missing = COMPOSITE_RULE_LIST.map(([n]) => n).filter((n) => !existsSync(join(here, `${n}_grad.test.ts`)));
    expect(missing).toEqual([]);
  });

  it('gradients() names the op and node when a node on the path has no rule', () => {
    const g = new Graph();
    const x = g.input('x', 'float64', [3]);
    const [e] = g.addNode('Erf', [x], {}, [{ dtype: 'float64', shape: [3] }], 'my_erf');
    const loss = op.reduceSum(op.mul(e!, 2), [0], false);
    expectSpsError(() => gradients(loss, [x]), 'INTERNAL', 'no gradient rule for op Erf', 'my_erf');
  });

  it('nodes off the path need no rule: Erf of a constant added to x', async () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [3]);
    const c = g.constant(Float32Array.from([0.1, 0.5, -0.3]), 'float32', [3], 'c');
    const [e] = g.addNode('Erf', [c], {}, [{ dtype: 'float32', shape: [3] }], 'const_erf');
    const loss = op.reduceSum(op.mul(op.add(x, e!), x), [0], false);
    // An Erf that depends on x but does not reach the loss is off the path too.
    g.addNode('Erf', [x], {}, [{ dtype: 'float32', shape: [3] }], 'dead_erf');
    const [dx] = gradients(loss, [x]);
    g.output(dx!, 'dx');
    const s = await GraphSession.create(g);
    const xs = Float32Array.from([1, 2, 3]);
    const r = await s.run({ x: { dtype: 'float32', dims: [3], data: xs } });
    await s.release();
    // d/dx Σ (x + erf(c))·x = 2x + erf(c)
    const erf = [0.1124629160182849, 0.5204998778130465, -0.3286267594591112];
    Array.from(r.dx!.data as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(2 * xs[i]! + erf[i]!, 5));
  });

  it('gradients() refuses a loss that does not depend on the inputs, and a non-scalar loss without a seed', () => {
    const g = new Graph();
    const x = g.input('x', 'float64', [3]);
    const y = g.input('y', 'float64', [3]);
    expectSpsError(() => gradients(op.reduceSum(y, [0], false), [x]), 'INTERNAL', 'does not depend');
    expectSpsError(() => gradients(op.mul(x, 2), [x]), 'INTERNAL', 'must be a scalar');
  });

  it('an input not reaching the loss gets zeros shaped like it', async () => {
    const g = new Graph();
    const x = g.input('x', 'float64', [2]);
    const z = g.input('z', 'float64', [2, 2]);
    const [dx, dz] = gradients(op.reduceSum(op.mul(x, x), [0], false), [x, z]);
    g.output(dx!, 'dx');
    g.output(dz!, 'dz');
    const s = await GraphSession.create(g);
    const r = await s.run({ x: { dtype: 'float64', dims: [2], data: Float64Array.from([1, -2]) }, z: { dtype: 'float64', dims: [2, 2], data: new Float64Array(4) } });
    await s.release();
    expect(Array.from(r.dx!.data as Float64Array)).toEqual([2, -4]);
    expect(Array.from(r.dz!.data as Float64Array)).toEqual([0, 0, 0, 0]);
  });
});
