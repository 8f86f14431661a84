import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lrAt, warmupSteps, type ScheduleKind } from '../../../../src/engine/tuning/schedule.js';
import { expectSpsError } from '../../../helpers/errors.js';

interface Case {
  kind: ScheduleKind;
  base_lr: number;
  total_steps: number;
  warmup_ratio: number;
  warmup_steps: number;
  lrs: number[];
}
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
// Produced by scripts/golden/schedule_golden.py (transformers 5.18 get_scheduler + LambdaLR).
const golden = JSON.parse(readFileSync(join(root, 'test/fixtures/golden/schedule.json'), 'utf8')) as { cases: Case[] };

describe('lrAt matches transformers get_scheduler (golden)', () => {
  expect(golden.cases.length).toBe(18);
  for (const c of golden.cases) {
    it(`${c.kind}, ${c.total_steps} steps, warmup ratio ${c.warmup_ratio}`, () => {
      const cfg = { kind: c.kind, baseLr: c.base_lr, totalSteps: c.total_steps, warmupRatio: c.warmup_ratio };
      expect(warmupSteps(cfg)).toBe(c.warmup_steps);
      c.lrs.forEach((lr, step) => {
        // LambdaLR computes base_lr · factor with the same float ops: exact up to an ulp.
        expect(Math.abs(lrAt(step, cfg) - lr), `step ${step}`).toBeLessThanOrEqual(1e-17 + 1e-15 * lr);
      });
    });
  }

  it('spot checks by hand: linear decays to 0, cosine is half-way at the midpoint', () => {
    const lin = { kind: 'linear' as const, baseLr: 1, totalSteps: 10, warmupRatio: 0.2 };
    expect([0, 1, 2, 6, 10, 11].map((s) => lrAt(s, lin))).toEqual([0, 0.5, 1, 0.5, 0, 0]);
    const cos = { kind: 'cosine' as const, baseLr: 2, totalSteps: 12, warmupRatio: 0 };
    expect(lrAt(0, cos)).toBe(2);
    expect(lrAt(6, cos)).toBeCloseTo(1, 15);
    expect(lrAt(12, cos)).toBeCloseTo(0, 15);
  });

  it('rejects bad configs with SpsError naming the setting', () => {
    expectSpsError(() => lrAt(0, { kind: 'linear', baseLr: 0.1, totalSteps: 0, warmupRatio: 0 }), 'INVALID_CONFIG', 'total_steps');
    expectSpsError(() => lrAt(0, { kind: 'linear', baseLr: 0.1, totalSteps: 5, warmupRatio: 1.5 }), 'INVALID_CONFIG', 'warmup_ratio');
    expectSpsError(() => lrAt(0, { kind: 'step' as ScheduleKind, baseLr: 0.1, totalSteps: 5, warmupRatio: 0 }), 'INVALID_CONFIG', 'lr_schedule');
  });
});
