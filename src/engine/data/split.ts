import { SpsError } from '../../shared/errors.js';
import { mulberry32 } from '../../shared/mulberry32.js';
export { mulberry32 };

/** Fisher–Yates shuffle in place with `rand`. */
export function shuffleInPlace<T>(items: T[], rand: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = items[i] as T;
    items[i] = items[j] as T;
    items[j] = t;
  }
  return items;
}

export interface SplitOptions<T> {
  /** Share of examples that go to validation, in (0, 1). */
  fraction: number;
  /** Same seed, same input → same split. */
  seed: number;
  /** Stratify by this key (the label for classification): each keeps its proportion. */
  stratifyBy?: (e: T) => string;
}

/**
 * Seeded train/validation split. Without `stratifyBy`: round(n·fraction) examples (at least
 * 1, and at least 1 left for training) chosen at random. With it: each group of size m gives
 * round(m·fraction) examples, at least 1 when m ≥ 2 and never all of them. Both parts keep
 * the input order. Deterministic for a seed (groups are visited in sorted key order).
 */
export function splitTrainValidation<T>(examples: readonly T[], opts: SplitOptions<T>): { train: T[]; validation: T[] } {
  const { fraction, seed } = opts;
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) {
    throw new SpsError('INVALID_ARGUMENT', `the validation fraction must be between 0 and 1 (exclusive), got ${String(fraction)}`, { location: { field: 'fraction' }, hint: 'use e.g. 0.1 for 10% validation' });
  }
  if (!Number.isFinite(seed)) throw new SpsError('INVALID_ARGUMENT', `the split seed must be a number, got ${String(seed)}`, { location: { field: 'seed' }, hint: 'use an integer such as 42' });
  const n = examples.length;
  if (n < 2) {
    throw new SpsError('INVALID_DATA', `cannot split ${n} example${n === 1 ? '' : 's'} into training and validation`, { hint: 'add more examples, or give a separate validation file' });
  }
  const rand = mulberry32(seed);
  const chosen = new Uint8Array(n);
  if (opts.stratifyBy === undefined) {
    const k = Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
    const idx = shuffleInPlace(Array.from({ length: n }, (_, i) => i), rand);
    for (let i = 0; i < k; i++) chosen[idx[i] as number] = 1;
  } else {
    const groups = new Map<string, number[]>();
    examples.forEach((e, i) => {
      const key = (opts.stratifyBy as (e: T) => string)(e);
      const g = groups.get(key);
      if (g) g.push(i);
      else groups.set(key, [i]);
    });
    const keys = [...groups.keys()].sort();
    for (const key of keys) {
      const g = groups.get(key) as number[];
      const m = g.length;
      const k = m < 2 ? 0 : Math.min(m - 1, Math.max(1, Math.round(m * fraction)));
      shuffleInPlace(g, rand);
      for (let i = 0; i < k; i++) chosen[g[i] as number] = 1;
    }
  }
  const train: T[] = [];
  const validation: T[] = [];
  examples.forEach((e, i) => (chosen[i] ? validation : train).push(e));
  if (validation.length === 0) {
    throw new SpsError('INVALID_DATA', 'every group has a single example, so none can go to validation', { hint: 'add more examples per label, or split without stratification' });
  }
  return { train, validation };
}
