import { describe, expect, it } from 'vitest';
import { fullGrid, rangePoints, sampleTrials } from '../../../src/engine/sweep/sampler.js';
import { validateSweep } from '../../../src/shared/sweep.js';
import { sweepConfig } from './sweep_fixtures.js';

describe('sweep sampler', () => {
  it('the grid is the cartesian product, prompt length outermost, unswept fields from the job', () => {
    const grid = fullGrid(sweepConfig());
    expect(grid).toHaveLength(16);
    expect(grid.slice(0, 5).map((t) => [t.numVirtualTokens, t.learningRate])).toEqual([[4, 0.01], [4, 0.03], [4, 0.1], [4, 0.3], [8, 0.01]]);
    expect(new Set(grid.map((t) => JSON.stringify(t))).size).toBe(16);
    for (const t of grid) expect([t.init, t.warmupRatio, t.batchSize]).toEqual(['random', 0.06, 8]);
  });

  it('a log range on a grid gives evenly spaced points on the log scale, ends included', () => {
    expect(rangePoints({ min: 0.01, max: 1, scale: 'log', count: 3 })).toEqual([0.01, 0.1, 1]);
    expect(rangePoints({ min: 0, max: 0.1, scale: 'linear', count: 3 })).toEqual([0, 0.05, 0.1]);
  });

  it('random sampling is reproducible from its seed and differs between seeds', () => {
    const cfg = (seed: number) => sweepConfig({ space: { numVirtualTokens: [4, 8, 16], learningRate: { min: 0.001, max: 1, scale: 'log' }, init: ['random', 'labels', { text: 'Is the story happy or sad?' }] }, sampling: { method: 'random', trials: 10, seed } });
    const a = sampleTrials(cfg(7)).trials;
    const b = sampleTrials(cfg(7)).trials;
    const c = sampleTrials(cfg(8)).trials;
    expect(a).toHaveLength(10);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    for (const t of a) {
      expect(t.learningRate).toBeGreaterThanOrEqual(0.001);
      expect(t.learningRate).toBeLessThanOrEqual(1);
      expect([4, 8, 16]).toContain(t.numVirtualTokens);
    }
    // Log-uniform: about half the draws fall below the geometric middle (0.0316), not ~3%.
    const many = sampleTrials(sweepConfig({ space: { learningRate: { min: 0.001, max: 1, scale: 'log' } }, sampling: { method: 'random', trials: 400, seed: 1 } })).trials;
    const below = many.filter((t) => t.learningRate < Math.sqrt(0.001)).length / many.length;
    expect(below).toBeGreaterThan(0.4);
    expect(below).toBeLessThan(0.6);
  });

  it('random sampling never repeats a setting, and a small space falls back to its full grid', () => {
    const cfg = sweepConfig({ space: { numVirtualTokens: [4, 8], learningRate: [0.1, 0.3] }, sampling: { method: 'random', trials: 10, seed: 3 } });
    const { trials, note } = sampleTrials(cfg);
    expect(trials).toHaveLength(4);
    expect(note).toMatch(/only 4 distinct/);
    const three = sampleTrials({ ...cfg, sampling: { method: 'random', trials: 3, seed: 3 } }).trials;
    expect(new Set(three.map((t) => JSON.stringify(t))).size).toBe(3);
  });

  it('a trial budget caps the grid with a seeded subset kept in grid order', () => {
    const cfg = sweepConfig({ budget: { trials: 5 } });
    const { trials, note } = sampleTrials(cfg);
    expect(trials).toHaveLength(5);
    expect(note).toMatch(/5 of the grid's 16/);
    expect(sampleTrials(cfg).trials).toEqual(trials);
    const grid = fullGrid(cfg).map((t) => JSON.stringify(t));
    const idx = trials.map((t) => grid.indexOf(JSON.stringify(t)));
    expect([...idx].sort((x, y) => x - y)).toEqual(idx);
  });

  it('the validator names bad fields', () => {
    const bad = { ...sweepConfig(), space: { numVirtualTokens: [4, 4], learningRate: { min: 0.3, max: 0.1, scale: 'log' }, dropout: [0.1] }, halving: { enabled: true, eta: 1 } };
    const fields = validateSweep(bad).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['space.numVirtualTokens', 'space.learningRate', 'space.dropout', 'halving.eta', 'space.learningRate.count']));
    const noSteps = sweepConfig();
    delete noSteps.job.training.steps;
    noSteps.job.training.epochs = 2;
    expect(validateSweep(noSteps).map((e) => e.field)).toContain('job.training.steps');
    expect(validateSweep(sweepConfig())).toEqual([]);
  });
});
