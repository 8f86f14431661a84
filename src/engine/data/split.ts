import { SpsError } from '../../shared/errors.js';
import { mulberry32 } from '../../shared/mulberry32.js';
export { mulberry32 };

/** Fisher–Yates shuffle in place with `rand`. */
export function shuffleInPlace<A extends unknown[] | Int32Array>(items: A, rand: () => number): A {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = items[i];
    items[i] = items[j] as never;
    items[j] = t as never;
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
  const stratifyBy = opts.stratifyBy;
  const split = splitIndices(examples.length, { fraction: opts.fraction, seed: opts.seed, ...(stratifyBy ? { stratifyBy: (i: number) => stratifyBy(examples[i] as T) } : {}) });
  return { train: Array.from(split.train, (i) => examples[i] as T), validation: Array.from(split.validation, (i) => examples[i] as T) };
}

/**
 * splitTrainValidation over the example numbers 0..n-1, in typed arrays (a corpus of millions
 * of examples is split without an array of objects, or of numbers, per example).
 */
export function splitIndices(n: number, opts: SplitOptions<number>): { train: Int32Array; validation: Int32Array } {
  const { fraction, seed } = opts;
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) {
    throw new SpsError('INVALID_ARGUMENT', `the validation fraction must be between 0 and 1 (exclusive), got ${String(fraction)}`, { location: { field: 'fraction' }, hint: 'use e.g. 0.1 for 10% validation' });
  }
  if (!Number.isFinite(seed)) throw new SpsError('INVALID_ARGUMENT', `the split seed must be a number, got ${String(seed)}`, { location: { field: 'seed' }, hint: 'use an integer such as 42' });
  if (n < 2) {
    throw new SpsError('INVALID_DATA', `cannot split ${n} example${n === 1 ? '' : 's'} into training and validation`, { hint: 'add more examples, or give a separate validation file' });
  }
  const rand = mulberry32(seed);
  const chosen = new Uint8Array(n);
  if (opts.stratifyBy === undefined) {
    const k = Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
    const all = new Int32Array(n);
    for (let i = 0; i < n; i++) all[i] = i;
    const idx = shuffleInPlace(all, rand);
    for (let i = 0; i < k; i++) chosen[idx[i] as number] = 1;
  } else {
    const groups = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      const key = opts.stratifyBy(i);
      const g = groups.get(key);
      if (g) g.push(i);
      else groups.set(key, [i]);
    }
    const keys = [...groups.keys()].sort();
    for (const key of keys) {
      const g = groups.get(key) as number[];
      const m = g.length;
      const k = m < 2 ? 0 : Math.min(m - 1, Math.max(1, Math.round(m * fraction)));
      shuffleInPlace(g, rand);
      for (let i = 0; i < k; i++) chosen[g[i] as number] = 1;
    }
  }
  let valCount = 0;
  for (let i = 0; i < n; i++) valCount += chosen[i]!;
  const train = new Int32Array(n - valCount);
  const validation = new Int32Array(valCount);
  for (let i = 0, t = 0, v = 0; i < n; i++) {
    if (chosen[i]) validation[v++] = i;
    else train[t++] = i;
  }
  if (validation.length === 0) {
    throw new SpsError('INVALID_DATA', 'every group has a single example, so none can go to validation', { hint: 'add more examples per label, or split without stratification' });
  }
  return { train, validation };
}
