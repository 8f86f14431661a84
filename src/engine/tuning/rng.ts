import { SpsError } from '../../shared/errors.js';

/**
 * The trainer's only source of randomness (data order, prompt initialisation, sampling).
 *
 * Why our own generator and not Math.random: a run must resume from a checkpoint and
 * reproduce the uninterrupted run bit for bit (DESIGN.md §3 "Runs on disk"), so the
 * generator's whole state has to be saved and restored, and must not depend on the
 * platform or Node version. xoshiro128** (Blackman & Vigna) keeps 4 × uint32 of state,
 * is fast with Math.imul, and its output is pinned in the tests against the reference C code.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  private constructor(s: readonly number[]) {
    this.s0 = s[0]! >>> 0;
    this.s1 = s[1]! >>> 0;
    this.s2 = s[2]! >>> 0;
    this.s3 = s[3]! >>> 0;
  }

  /**
   * A generator from a user-facing seed (any integer 0 ≤ seed < 2^53). The seed is
   * expanded with splitmix32 so that nearby seeds (0, 1, 2, …) give unrelated streams and
   * the all-zero state (a fixed point of xoshiro) cannot occur.
   */
  static fromSeed(seed: number): Rng {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new SpsError('INVALID_ARGUMENT', `the random seed must be a whole number from 0 to 2^53-1, got ${seed}`, { location: { field: 'seed' } });
    }
    // Fold both 32-bit halves in, so seeds ≥ 2^32 are not truncated to the same stream.
    let x = seed >>> 0;
    const hi = Math.floor(seed / 2 ** 32) >>> 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) | 0;
      let t = x ^ hi;
      t = Math.imul(t ^ (t >>> 16), 0x21f0aaad);
      t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
      words.push((t ^ (t >>> 15)) >>> 0);
    }
    if (words.every((w) => w === 0)) return new Rng([1, 0, 0, 0]);
    return new Rng(words);
  }

  /** Restores a generator from `state()`; the stream continues exactly where it was saved. */
  static fromState(state: readonly number[]): Rng {
    if (state.length !== 4 || !state.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)) {
      throw new SpsError('INVALID_DATA', `a random-generator state is 4 whole numbers in 0..2^32-1, got ${JSON.stringify(state)}`, {
        hint: 'the checkpoint is damaged or was written by another program',
      });
    }
    if (state.every((w) => w === 0)) throw new SpsError('INVALID_DATA', 'a random-generator state cannot be all zeros', { hint: 'the checkpoint is damaged' });
    return new Rng(state);
  }

  /** The full state as plain JSON numbers (for checkpoints). */
  state(): number[] {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  /** Next uniformly distributed uint32 (xoshiro128**, reference algorithm). */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    this.s3 >>>= 0;
    return result;
  }

  /** Uniform in [0, 1) with full 53-bit resolution (two draws), so it is never exactly 1. */
  nextFloat(): number {
    const a = this.nextU32() >>> 5; // 27 bits
    const b = this.nextU32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Uniform integer in [0, bound), unbiased (rejection of the short last bucket). */
  nextInt(bound: number): number {
    if (!Number.isInteger(bound) || bound < 1 || bound > 2 ** 32) throw new SpsError('INTERNAL', `Rng.nextInt: bound must be an integer in 1..2^32, got ${bound}`);
    const limit = 2 ** 32 - (2 ** 32 % bound);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % bound;
    }
  }

  /**
   * Standard normal N(0, 1) by Box–Muller. Uses exactly two nextFloat() calls and returns
   * only the cosine branch: caching the sine branch would be hidden state that `state()`
   * would also have to carry. 1 - u keeps the logarithm's argument in (0, 1].
   * Math.log/cos/sin are deterministic for a given Node (V8 ships its own fdlibm port).
   */
  normal(): number {
    const u1 = 1 - this.nextFloat();
    const u2 = this.nextFloat();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Fisher–Yates shuffle in place (uniform over permutations); returns the same array. */
  shuffle<A extends unknown[] | Int32Array>(arr: A): A {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = arr[i];
      arr[i] = arr[j] as never;
      arr[j] = tmp as never;
    }
    return arr;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
