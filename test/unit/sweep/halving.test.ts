import { describe, expect, it } from 'vitest';
import { plannedSteps, promote, promotedCount, rungSteps } from '../../../src/engine/sweep/halving.js';

describe('successive halving', () => {
  it('rungs grow by eta up to the full steps; as many as the trials need, no shorter than minSteps', () => {
    expect(rungSteps({ halving: { enabled: true, eta: 3 } }, 300, 16)).toEqual([33, 100, 300]);
    expect(rungSteps({ halving: { enabled: true, eta: 2 } }, 80, 4)).toEqual([20, 40, 80]);
    // 27 trials would want 4 rungs, but 300/27 < minSteps 20: three rungs.
    expect(rungSteps({ halving: { enabled: true, eta: 3, minSteps: 20 } }, 300, 27)).toEqual([33, 100, 300]);
    expect(rungSteps({ halving: { enabled: true, eta: 3, rungs: 2 } }, 300, 16)).toEqual([100, 300]);
    expect(rungSteps({ halving: { enabled: false, eta: 3 } }, 300, 16)).toEqual([300]);
    expect(rungSteps({ halving: { enabled: true, eta: 3 } }, 300, 1)).toEqual([300]);
  });

  it('promotes the best floor(n/eta), at least one', () => {
    expect([16, 5, 2, 1, 0].map((n) => promotedCount(n, 3))).toEqual([5, 1, 1, 1, 0]);
    expect(promotedCount(4, 2)).toBe(2);
  });

  it('ranks by the metric in its direction; ties go to lower validation loss, then the earlier trial', () => {
    const results = [
      { id: 'a', value: 0.9, tiebreak: 0.5 },
      { id: 'b', value: 1.0, tiebreak: 0.4 },
      { id: 'c', value: 1.0, tiebreak: 0.2 },
      { id: 'd', value: 0.6 },
      { id: 'e', value: 0.9, tiebreak: 0.5 },
      { id: 'f', value: 0.7 },
    ];
    expect(promote(results, 3, true)).toEqual({ ranked: ['c', 'b', 'a', 'e', 'f', 'd'], promoted: ['c', 'b'] });
    const losses = results.map((r) => ({ id: r.id, value: r.value }));
    expect(promote(losses, 3, false).promoted).toEqual(['d', 'f']);
  });

  it('plans the steps the schedule costs: 16 trials at eta 3 take 28% of the full grid', () => {
    const rungs = [33, 100, 300];
    // 16×33 + 5×67 + 1×200
    expect(plannedSteps(rungs, 16, 3)).toBe(16 * 33 + 5 * 67 + 200);
    expect(plannedSteps(rungs, 16, 3) / (16 * 300)).toBeLessThan(1 / 3);
  });
});
