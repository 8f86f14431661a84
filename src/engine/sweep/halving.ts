import { SWEEP_DEFAULTS, type SweepConfig } from '../../shared/sweep.js';

/**
 * Successive halving (Jamieson & Talwalkar 2016; the inner loop of Hyperband): every trial
 * first gets a short budget, the best 1/eta of them continue with eta times the steps, and so
 * on up to the full steps. Trials are never restarted: a promoted trial resumes its own run
 * from the checkpoint where the previous rung stopped it, so its learning-rate schedule is the
 * full run's and a trial that reaches the last rung IS the full run.
 */

/** The step count at which each rung ends (increasing; the last is the full steps). */
export function rungSteps(config: Pick<SweepConfig, 'halving'>, fullSteps: number, numTrials: number): number[] {
  const h = config.halving;
  if (!h.enabled || numTrials <= 1) return [fullSteps];
  const minSteps = h.minSteps ?? SWEEP_DEFAULTS.halving.minSteps;
  const logEta = (x: number) => Math.floor(Math.log(x) / Math.log(h.eta) + 1e-9);
  // Enough rungs to narrow the trials down to about one, as long as the first rung keeps minSteps.
  const rungs = h.rungs ?? Math.max(1, Math.min(logEta(numTrials) + 1, logEta(Math.max(1, fullSteps / minSteps)) + 1));
  const out: number[] = [];
  for (let r = 0; r < rungs; r++) {
    const s = Math.max(1, Math.round(fullSteps / h.eta ** (rungs - 1 - r)));
    if (out.length === 0 || s > out.at(-1)!) out.push(s);
  }
  if (out.at(-1) !== fullSteps) out.push(fullSteps);
  return out;
}

/** How many of `n` trials that finished a rung continue: the best floor(n/eta), at least one. */
export function promotedCount(n: number, eta: number): number {
  return n === 0 ? 0 : Math.max(1, Math.floor(n / eta));
}

export interface RungResult {
  id: string;
  /** The trial's best value of the sweep metric so far. */
  value: number;
  /** Breaks ties (e.g. accuracy on a small validation set): validation loss, lower is better. */
  tiebreak?: number;
}

/**
 * Ranks one rung's results and picks who continues. Ties on the metric go to the lower
 * validation loss, then to the earlier trial, so the decision is a pure function of the
 * results (a resumed sweep decides the same way).
 */
export function promote(results: readonly RungResult[], eta: number, higherIsBetter: boolean): { ranked: string[]; promoted: string[] } {
  const order = new Map(results.map((r, i) => [r.id, i]));
  const ranked = [...results].sort((a, b) => {
    if (a.value !== b.value) return higherIsBetter ? b.value - a.value : a.value - b.value;
    const ta = a.tiebreak ?? Infinity;
    const tb = b.tiebreak ?? Infinity;
    if (ta !== tb) return ta - tb;
    return order.get(a.id)! - order.get(b.id)!;
  });
  const k = promotedCount(results.length, eta);
  return { ranked: ranked.map((r) => r.id), promoted: ranked.slice(0, k).map((r) => r.id) };
}

/** Steps the whole schedule costs if every promoted trial runs its rungs to the end. */
export function plannedSteps(rungs: readonly number[], numTrials: number, eta: number): number {
  let total = 0;
  let n = numTrials;
  let prev = 0;
  for (const s of rungs) {
    total += n * (s - prev);
    prev = s;
    n = promotedCount(n, eta);
  }
  return total;
}
