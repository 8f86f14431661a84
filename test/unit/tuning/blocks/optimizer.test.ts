import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AdamW, clipGradNorm } from '../../../../src/engine/tuning/optimizer.js';
import { expectSpsError } from '../../../helpers/errors.js';

interface AdamCase {
  name: string;
  param0: number[];
  grads: number[][];
  lrs: number[];
  betas: [number, number];
  eps: number;
  weight_decay: number;
  params_after: number[][];
  final_state: { step: number; m: number[]; v: number[] };
}
interface ClipCase {
  name: string;
  grad: number[];
  max_norm: number;
  norm: number;
  clipped: number[];
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
// Produced by scripts/golden/adamw_golden.py (torch 2.13, float64, foreach=False).
const golden = JSON.parse(readFileSync(join(root, 'test/fixtures/golden/adamw.json'), 'utf8')) as { adamw: AdamCase[]; clip_grad_norm: ClipCase[] };

/** Relative closeness: the only expected differences are last-ulp pow/sqrt rounding. */
function expectClose(actual: ArrayLike<number>, expected: readonly number[], rel = 1e-13): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    expect(Math.abs(a - e), `index ${i}: ${a} vs ${e}`).toBeLessThanOrEqual(rel * Math.max(1e-3, Math.abs(e)));
  }
}

describe('AdamW matches torch.optim.AdamW (golden)', () => {
  expect(golden.adamw.length).toBeGreaterThanOrEqual(3);
  for (const c of golden.adamw) {
    it(`${c.name}: parameter after each of ${c.grads.length} steps, and final moments`, () => {
      const opt = new AdamW(c.param0.length, { betas: c.betas, eps: c.eps, weightDecay: c.weight_decay });
      const p = Float64Array.from(c.param0);
      c.grads.forEach((g, k) => {
        opt.step(p, Float64Array.from(g), c.lrs[k]!);
        expectClose(p, c.params_after[k]!);
      });
      const st = opt.state();
      expect(st.step).toBe(c.final_state.step);
      expectClose(st.m, c.final_state.m);
      expectClose(st.v, c.final_state.v);
    });
  }

  it('the golden updates are not trivially small (the comparison can fail)', () => {
    const c = golden.adamw[0]!;
    let maxMove = 0;
    c.param0.forEach((x, i) => (maxMove = Math.max(maxMove, Math.abs(c.params_after[4]![i]! - x))));
    expect(maxMove).toBeGreaterThan(0.05);
  });

  it('resuming from state() mid-run is bit-identical to an uninterrupted run', () => {
    const c = golden.adamw[1]!;
    const cfg = { betas: c.betas, eps: c.eps, weightDecay: c.weight_decay };
    const a = new AdamW(c.param0.length, cfg);
    const pa = Float64Array.from(c.param0);
    c.grads.forEach((g, k) => a.step(pa, Float64Array.from(g), c.lrs[k]!));

    const b1 = new AdamW(c.param0.length, cfg);
    const pb = Float64Array.from(c.param0);
    for (let k = 0; k < 2; k++) b1.step(pb, Float64Array.from(c.grads[k]!), c.lrs[k]!);
    const saved = b1.state();
    b1.step(pb.slice(), Float64Array.from(c.grads[2]!), 1); // mutating b1 must not touch `saved`
    const b2 = AdamW.fromState(saved, cfg);
    for (let k = 2; k < c.grads.length; k++) b2.step(pb, Float64Array.from(c.grads[k]!), c.lrs[k]!);
    expect(Array.from(pb)).toEqual(Array.from(pa));
    expect(Array.from(b2.state().m)).toEqual(Array.from(a.state().m));
    expect(b2.steps).toBe(5);
  });

  it('rejects mismatched sizes and bad configs', () => {
    const opt = new AdamW(3);
    expect(() => opt.step(new Float64Array(3), new Float64Array(2), 0.1)).toThrow(/gradient/);
    expectSpsError(() => new AdamW(3, { betas: [1, 0.999], eps: 1e-8, weightDecay: 0 }), 'INVALID_CONFIG', 'beta1');
    expectSpsError(() => new AdamW(3, { betas: [0.9, 0.999], eps: 1e-8, weightDecay: -1 }), 'INVALID_CONFIG', 'weight decay');
    expectSpsError(() => AdamW.fromState({ step: 1, m: new Float64Array(2), v: new Float64Array(3) }), 'INVALID_DATA');
  });
});

describe('clipGradNorm matches torch.nn.utils.clip_grad_norm_ (golden)', () => {
  for (const c of golden.clip_grad_norm) {
    it(c.name, () => {
      const g = Float64Array.from(c.grad);
      const norm = clipGradNorm(g, c.max_norm);
      expect(Math.abs(norm - c.norm)).toBeLessThanOrEqual(1e-14 * c.norm);
      expectClose(g, c.clipped, 1e-14);
    });
  }

  it('returns a non-finite norm without throwing, so the trainer can skip the step', () => {
    expect(clipGradNorm(Float64Array.from([1, NaN]), 1)).toBeNaN();
    expect(clipGradNorm(Float64Array.from([1, Infinity]), 1)).toBe(Infinity);
  });
});
