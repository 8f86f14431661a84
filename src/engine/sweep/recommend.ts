import { SWEEP_DIMENSIONS, type SweepDimension } from '../../shared/sweep.js';
import type { Recommendation, SweepPlan, SweepState, TrialResult } from '../../shared/sweep_state.js';
import { costWords, describeSettings, formatMetric, settingPart } from './describe.js';

/** The trial's latest result (its highest rung). */
export function lastResult(state: SweepState, id: string): TrialResult | undefined {
  return state.trials[id]?.results.at(-1);
}

/** Which dimensions the plan actually varies. */
export function sweptDimensions(plan: SweepPlan): SweepDimension[] {
  return SWEEP_DIMENSIONS.filter((d) => new Set(plan.trials.map((t) => JSON.stringify(t.settings[d]))).size > 1);
}

/**
 * How close a cheaper trial must be to count as "as good": 0.01 on accuracy-like metrics
 * (one example in a hundred), 2% of the value on losses.
 */
export function toleranceFor(best: number, higherIsBetter: boolean): number {
  return higherIsBetter && Math.abs(best) <= 1 ? 0.01 : Math.max(1e-6, Math.abs(best) * 0.02);
}

/**
 * The best trial by the sweep metric (ties: more steps trained, then lower validation loss,
 * then shorter prompt), and the shortest prompt whose metric is within the tolerance: the
 * prompt length is what every later use of the prompt pays for.
 */
export function recommend(plan: SweepPlan, state: SweepState): Recommendation | null {
  const dir = plan.higherIsBetter ? 1 : -1;
  const scored = plan.trials.flatMap((t) => {
    const r = lastResult(state, t.id);
    return r && state.trials[t.id]?.status !== 'failed' ? [{ t, r }] : [];
  });
  if (scored.length === 0) return null;
  scored.sort((a, b) => dir * (b.r.value - a.r.value) || b.r.step - a.r.step || (a.r.valLoss ?? Infinity) - (b.r.valLoss ?? Infinity) || a.t.settings.numVirtualTokens - b.t.settings.numVirtualTokens);
  const best = scored[0]!;
  const tolerance = toleranceFor(best.r.value, plan.higherIsBetter);
  const swept = sweptDimensions(plan);
  const cheaperPool = scored
    .filter((x) => x.t.settings.numVirtualTokens < best.t.settings.numVirtualTokens && dir * (best.r.value - x.r.value) <= tolerance + 1e-12)
    .sort((a, b) => a.t.settings.numVirtualTokens - b.t.settings.numVirtualTokens || dir * (b.r.value - a.r.value));
  const fmt = (v: number) => formatMetric(v, plan.higherIsBetter);
  let text = `${describeSettings(best.t.settings, swept)}: ${plan.metric} ${fmt(best.r.value)}`;
  let cheaper: Recommendation['cheaper'];
  const c = cheaperPool[0];
  if (c) {
    const difference = Math.abs(best.r.value - c.r.value);
    const costRatio = c.t.settings.numVirtualTokens / best.t.settings.numVirtualTokens;
    cheaper = { trial: c.t.id, settings: c.t.settings, value: c.r.value, difference, costRatio };
    // Name only the settings in which the cheaper trial differs from the best besides its length.
    const others = swept
      .filter((d) => d !== 'numVirtualTokens' && JSON.stringify(c.t.settings[d]) !== JSON.stringify(best.t.settings[d]))
      .map((d) => settingPart(d, c.t.settings));
    const who = `${c.t.settings.numVirtualTokens} tokens${others.length ? ` (${others.join(', ')})` : ''}`;
    text += difference < 1e-12 ? `; ${who} does as well at ${costWords(costRatio)}` : `; ${who} is within ${fmt(tolerance)} at ${costWords(costRatio)}`;
  }
  return { trial: best.t.id, settings: best.t.settings, metric: plan.metric, value: best.r.value, step: best.r.step, ...(cheaper ? { cheaper } : {}), tolerance, text };
}
