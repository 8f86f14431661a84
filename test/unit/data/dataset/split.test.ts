import { describe, expect, it } from 'vitest';
import { mulberry32, splitTrainValidation } from '../../../../src/engine/data/split.js';
import { expectDataError } from '../readers/_helpers.js';

const items = (n: number, labels: string[]) => Array.from({ length: n }, (_, i) => ({ id: i, label: labels[i % labels.length] as string }));

describe('mulberry32', () => {
  it('is deterministic, in [0, 1), and seed-dependent', () => {
    const a = mulberry32(1);
    const b = mulberry32(1);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
    expect(mulberry32(2)()).not.toBe(xs[0]);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
  });
});

describe('splitTrainValidation', () => {
  it('takes round(n·fraction) examples, partitions the input, keeps order, is deterministic per seed', () => {
    const xs = items(100, ['a']);
    const s1 = splitTrainValidation(xs, { fraction: 0.2, seed: 42 });
    const s2 = splitTrainValidation(xs, { fraction: 0.2, seed: 42 });
    const s3 = splitTrainValidation(xs, { fraction: 0.2, seed: 43 });
    expect(s1.validation).toHaveLength(20);
    expect(s1.train).toHaveLength(80);
    expect(s2).toEqual(s1);
    expect(s3.validation.map((e) => e.id)).not.toEqual(s1.validation.map((e) => e.id));
    expect([...s1.train, ...s1.validation].map((e) => e.id).sort((a, b) => a - b)).toEqual(xs.map((e) => e.id));
    const ids = s1.validation.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('stratified: each label keeps its proportion, and a label with ≥ 2 examples gets at least 1', () => {
    const xs = [...items(90, ['big']), ...Array.from({ length: 8 }, (_, i) => ({ id: 100 + i, label: 'small' })), { id: 200, label: 'pair' }, { id: 201, label: 'pair' }, { id: 300, label: 'single' }];
    const s = splitTrainValidation(xs, { fraction: 0.1, seed: 7, stratifyBy: (e) => e.label });
    const count = (arr: typeof xs, l: string) => arr.filter((e) => e.label === l).length;
    expect(count(s.validation, 'big')).toBe(9);
    expect(count(s.validation, 'small')).toBe(1);
    expect(count(s.validation, 'pair')).toBe(1);
    expect(count(s.validation, 'single')).toBe(0);
    expect(count(s.train, 'single')).toBe(1);
  });

  it('stratified split does not depend on the order labels first appear in', () => {
    const xs = items(40, ['x', 'y']);
    const a = splitTrainValidation(xs, { fraction: 0.25, seed: 3, stratifyBy: (e) => e.label });
    const relabelled = xs.map((e) => ({ ...e }));
    const b = splitTrainValidation(relabelled, { fraction: 0.25, seed: 3, stratifyBy: (e) => e.label });
    expect(b.validation.map((e) => e.id)).toEqual(a.validation.map((e) => e.id));
  });

  it('always leaves at least one example on each side', () => {
    const s = splitTrainValidation(items(3, ['a']), { fraction: 0.99, seed: 1 });
    expect(s.train.length).toBeGreaterThanOrEqual(1);
    expect(s.validation.length).toBeGreaterThanOrEqual(1);
  });

  it('bad fraction, too few examples, only singleton strata', async () => {
    await expectDataError(() => splitTrainValidation(items(10, ['a']), { fraction: 1, seed: 1 }), 'INVALID_ARGUMENT', { field: 'fraction' });
    await expectDataError(() => splitTrainValidation(items(1, ['a']), { fraction: 0.5, seed: 1 }), 'INVALID_DATA', { parts: ['1 example'] });
    await expectDataError(() => splitTrainValidation(items(3, ['a', 'b', 'c']), { fraction: 0.5, seed: 1, stratifyBy: (e) => e.label }), 'INVALID_DATA', { parts: ['single example'] });
  });
});
