import { initLabel, type InitChoice, type SweepDimension, type TrialSettings } from '../../shared/sweep.js';

/** Words and number formats shared by the recommendation and the sensitivity text. */
export const DIMENSION_LABELS: Record<SweepDimension, string> = {
  numVirtualTokens: 'prompt length',
  learningRate: 'learning rate',
  init: 'initialisation',
  warmupRatio: 'warmup',
  batchSize: 'batch size',
};

/** Accuracy-like metrics with 2 decimals, losses with 3 significant digits. */
export function formatMetric(value: number, higherIsBetter: boolean): string {
  return higherIsBetter && Math.abs(value) <= 1 ? value.toFixed(2) : String(Number(value.toPrecision(3)));
}

export function formatSetting(dimension: SweepDimension, value: number | InitChoice): string {
  if (dimension === 'init') return initLabel(value as InitChoice);
  return String(value);
}

/** One setting as it reads in a sentence: "16 tokens", "lr 0.3", "init labels". */
export function settingPart(d: SweepDimension, s: TrialSettings): string {
  switch (d) {
    case 'numVirtualTokens':
      return `${s.numVirtualTokens} tokens`;
    case 'learningRate':
      return `lr ${s.learningRate}`;
    case 'init':
      return `init ${initLabel(s.init)}`;
    case 'warmupRatio':
      return `warmup ${s.warmupRatio}`;
    case 'batchSize':
      return `batch ${s.batchSize}`;
  }
}

/** "16 tokens, lr 0.3, init labels" (plus warmup / batch when they were swept). */
export function describeSettings(s: TrialSettings, swept: readonly SweepDimension[] = []): string {
  const dims: SweepDimension[] = ['numVirtualTokens', 'learningRate', 'init', ...(['warmupRatio', 'batchSize'] as const).filter((d) => swept.includes(d))];
  return dims.map((d) => settingPart(d, s)).join(', ');
}

/** 0.5 → "half the cost", 0.25 → "a quarter of the cost", else "38% of the cost". */
export function costWords(ratio: number): string {
  if (Math.abs(ratio - 0.5) < 1e-9) return 'half the cost';
  if (Math.abs(ratio - 0.25) < 1e-9) return 'a quarter of the cost';
  if (Math.abs(ratio - 0.125) < 1e-9) return 'an eighth of the cost';
  return `${Math.round(ratio * 100)}% of the cost`;
}
