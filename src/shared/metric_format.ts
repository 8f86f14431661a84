/**
 * How every surface (the UI, the prompt card, the CLI) writes a metric value and says on how
 * many examples a generation metric was computed.
 */

/** Bookkeeping fields an evaluation records next to its metrics (not metrics themselves). */
export const EVALUATION_COUNTS = ['generation_examples', 'validation_examples'] as const;

/**
 * A metric value: integers as they are, |v| ≥ 100 with one decimal, others with four decimals
 * (trailing zeros dropped), tiny values in exponent form. Missing or non-finite values become
 * `missing` ('—' in the UI, 'n/a' in the Markdown card).
 */
export function formatMetric(v: unknown, missing = '—'): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return missing;
  if (Number.isInteger(v)) return String(v);
  if (Math.abs(v) >= 100) return v.toFixed(1);
  if (Math.abs(v) >= 1e-3) return v.toFixed(4).replace(/0+$/, '').replace(/\.$/, '');
  return v.toExponential(3).replace(/\.?0+e/, 'e');
}

/**
 * "on N of M examples" when an evaluation scored generation on only the first N of its M
 * validation examples (training.generationEvalExamples); undefined when it used them all.
 */
export function generationScope(metrics: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const n = metrics?.generation_examples;
  const m = metrics?.validation_examples;
  if (typeof n !== 'number' || typeof m !== 'number' || n >= m) return undefined;
  return `on ${n} of ${m} examples`;
}
