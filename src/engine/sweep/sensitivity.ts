import type { DimensionSensitivity, Sensitivity, SweepPlan, SweepState } from '../../shared/sweep_state.js';
import { DIMENSION_LABELS, formatMetric, formatSetting } from './describe.js';
import { sweptDimensions } from './recommend.js';

const capitalise = (s: string) => s[0]!.toUpperCase() + s.slice(1);

/**
 * How much the metric moved across each swept dimension: the mean metric per value at the
 * first rung (every trial had the same steps there, so the comparison is fair), and the
 * spread between the best and worst value. Said in plain words, largest spread first.
 */
export function sensitivity(plan: SweepPlan, state: SweepState): Sensitivity | null {
  const firstRung = plan.trials.flatMap((t) => {
    const r = state.trials[t.id]?.results.find((x) => x.rung === 0);
    return r ? [{ settings: t.settings, value: r.value }] : [];
  });
  if (firstRung.length < 2) return null;
  const dir = plan.higherIsBetter ? 1 : -1;
  const fmt = (v: number) => formatMetric(v, plan.higherIsBetter);
  const dims: DimensionSensitivity[] = sweptDimensions(plan).flatMap((d) => {
    const groups = new Map<string, number[]>();
    for (const x of firstRung) {
      const key = formatSetting(d, x.settings[d]);
      groups.set(key, [...(groups.get(key) ?? []), x.value]);
    }
    if (groups.size < 2) return [];
    const byValue = [...groups].map(([value, vs]) => ({ value, mean: vs.reduce((a, b) => a + b, 0) / vs.length, count: vs.length }));
    const means = byValue.map((v) => v.mean);
    const spread = Math.max(...means) - Math.min(...means);
    const best = [...byValue].sort((a, b) => dir * (b.mean - a.mean))[0]!;
    const worst = [...byValue].sort((a, b) => dir * (a.mean - b.mean))[0]!;
    return [{ dimension: d, byValue, spread, best: best.value, text: `${fmt(spread)} (mean ${fmt(worst.mean)} at ${worst.value} → ${fmt(best.mean)} at ${best.value})` }];
  });
  dims.sort((a, b) => b.spread - a.spread);
  const steps = plan.rungs[0]!;
  const top = dims[0];
  const negligible = (s: number) => s <= Math.max(0.01, top ? top.spread * 0.1 : 0);
  const sentences: string[] = [];
  if (!top) return { steps, dimensions: dims, summary: 'Only one setting was swept, with a single value: nothing to compare.' };
  sentences.push(`At ${steps} steps, ${DIMENSION_LABELS[top.dimension]} mattered most: ${plan.metric} moved by ${top.text}.`);
  for (const d of dims.slice(1)) {
    sentences.push(negligible(d.spread) ? `${capitalise(DIMENSION_LABELS[d.dimension])} barely mattered (${fmt(d.spread)}).` : `${capitalise(DIMENSION_LABELS[d.dimension])} moved it by ${d.text}.`);
  }
  return { steps, dimensions: dims, summary: sentences.join(' ') };
}
