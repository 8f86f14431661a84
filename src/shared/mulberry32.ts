/**
 * mulberry32: a tiny seeded PRNG giving floats in [0, 1). Used where a reproducible stream of
 * numbers matters more than statistical quality: data splits, sample datasets, test fixtures
 * and benchmarks. (The trainer's data order uses xoshiro128** with a savable state.)
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
