import { describe, expect, it } from 'vitest';
import { recommend } from '../../../src/engine/sweep/recommend.js';
import { sensitivity } from '../../../src/engine/sweep/sensitivity.js';
import { constructed } from './sweep_fixtures.js';

describe('sweep recommendation', () => {
  it('names the best trial and a shorter prompt within 0.01 with its cost', () => {
    const { plan, state } = constructed([
      [4, 0.3, 'labels', 0.9, 300],
      [8, 0.3, 'labels', 0.965, 300],
      [16, 0.3, 'labels', 0.97, 300],
      [16, 0.03, 'labels', 0.8, 100],
      [32, 0.3, 'random', 0.95, 300],
      [16, 0.3, 'random', 0.93, 300],
    ]);
    const r = recommend(plan, state)!;
    expect(r.trial).toBe('t2');
    expect(r.value).toBe(0.97);
    expect(r.cheaper).toMatchObject({ trial: 't1', costRatio: 0.5 });
    expect(r.cheaper!.difference).toBeCloseTo(0.005, 12);
    expect(r.text).toBe('16 tokens, lr 0.3, init labels: accuracy 0.97; 8 tokens is within 0.01 at half the cost');
  });

  it('says "does as well" on an exact tie, names differing settings, and has no cheaper trial when none is close', () => {
    const tie = constructed([
      [16, 0.1, 'random', 1, 300],
      [4, 0.3, 'random', 1, 100],
    ]);
    expect(recommend(tie.plan, tie.state)!.text).toBe('16 tokens, lr 0.1, init random: accuracy 1.00; 4 tokens (lr 0.3) does as well at a quarter of the cost');
    const none = constructed([
      [16, 0.1, 'random', 0.9, 300],
      [8, 0.1, 'random', 0.85, 300],
    ]);
    const r = recommend(none.plan, none.state)!;
    expect(r.cheaper).toBeUndefined();
    expect(r.text).toBe('16 tokens, lr 0.1, init random: accuracy 0.90');
  });

  it('for a loss, lower is better and the tolerance is 2% of it', () => {
    const { plan, state } = constructed(
      [
        [32, 0.1, 'random', 1.0, 300],
        [8, 0.1, 'random', 1.015, 300],
        [4, 0.1, 'random', 1.5, 300],
      ],
      { higherIsBetter: false, metric: 'val_loss' },
    );
    const r = recommend(plan, state)!;
    expect(r.trial).toBe('t0');
    expect(r.cheaper?.trial).toBe('t1');
    expect(r.text).toBe('32 tokens, lr 0.1, init random: val_loss 1; 8 tokens is within 0.02 at a quarter of the cost');
  });

  it('ignores failed trials and returns null when nothing finished', () => {
    const { plan, state } = constructed([[8, 0.1, 'random', 1, 300]]);
    state.trials.t0!.status = 'failed';
    expect(recommend(plan, state)).toBeNull();
  });
});

describe('sweep sensitivity', () => {
  it('says which knob moved the metric most, at the first rung, in words', () => {
    // Learning rate matters (0.5 → 0.9), length a little (0.1), init not at all.
    const rows: [number, number, 'random' | 'labels', number, number][] = [];
    for (const n of [4, 16]) for (const lr of [0.01, 0.3]) for (const init of ['random', 'labels'] as const) rows.push([n, lr, init, (lr === 0.3 ? 0.9 : 0.5) + (n === 16 ? 0.1 : 0), 100]);
    const { plan, state } = constructed(rows);
    const s = sensitivity(plan, state)!;
    expect(s.dimensions.map((d) => d.dimension)).toEqual(['learningRate', 'numVirtualTokens', 'init']);
    expect(s.dimensions[0]!.spread).toBeCloseTo(0.4, 12);
    expect(s.dimensions[1]!.spread).toBeCloseTo(0.1, 12);
    expect(s.dimensions[2]!.spread).toBeCloseTo(0, 12);
    expect(s.summary).toBe(
      'At 100 steps, learning rate mattered most: accuracy moved by 0.40 (mean 0.55 at 0.01 → 0.95 at 0.3). Prompt length moved it by 0.10 (mean 0.70 at 4 → 0.80 at 16). Initialisation barely mattered (0.00).',
    );
  });
});
