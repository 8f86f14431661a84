import { describe, expect, it } from 'vitest';
import { Rng } from '../../../../src/engine/tuning/rng.js';
import { expectSpsError } from '../../../helpers/errors.js';

describe('Rng (xoshiro128**)', () => {
  it('matches the reference C implementation (outputs from gcc-compiled xoshiro128starstar.c)', () => {
    const a = Rng.fromState([1, 2, 3, 4]);
    expect(Array.from({ length: 8 }, () => a.nextU32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849]);
    const b = Rng.fromState([0x9e3779b9, 0x243f6a88, 0xb7e15162, 0xdeadbeef]);
    expect(Array.from({ length: 4 }, () => b.nextU32())).toEqual([2463954730, 5524658, 74256371, 1905451993]);
  });

  it('is deterministic per seed, and different seeds (incl. ≥ 2^32) give different streams', () => {
    const draw = (seed: number): number[] => {
      const r = Rng.fromSeed(seed);
      return Array.from({ length: 16 }, () => r.nextU32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(0)).not.toEqual(draw(2 ** 32));
    expect(draw(7)).not.toEqual(draw(7 + 2 ** 40));
  });

  it('restores mid-stream from state() and continues identically (incl. normal, shuffle, nextInt)', () => {
    const r = Rng.fromSeed(2024);
    for (let i = 0; i < 37; i++) r.nextU32();
    r.normal();
    r.shuffle([1, 2, 3, 4, 5]);
    const saved = JSON.parse(JSON.stringify(r.state())) as number[];
    const tail = (x: Rng): unknown[] => [x.nextU32(), x.nextFloat(), x.normal(), x.nextInt(1000), x.shuffle([...Array(20).keys()]), x.nextU32()];
    const expected = tail(r);
    expect(tail(Rng.fromState(saved))).toEqual(expected);
  });

  it('nextFloat is in [0,1) with mean ≈ 0.5; nextInt stays in range and covers it', () => {
    const r = Rng.fromSeed(1);
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const f = r.nextFloat();
      expect(f >= 0 && f < 1).toBe(true);
      sum += f;
    }
    expect(Math.abs(sum / 20000 - 0.5)).toBeLessThan(0.01);
    const seen = new Array<number>(7).fill(0);
    for (let i = 0; i < 7000; i++) seen[r.nextInt(7)]!++;
    for (const c of seen) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });

  it('normal() has mean ≈ 0 and variance ≈ 1 and consumes exactly two floats', () => {
    const r = Rng.fromSeed(5);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal();
      expect(Number.isFinite(x)).toBe(true);
      s += x;
      s2 += x * x;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
    const a = Rng.fromSeed(9);
    const b = Rng.fromSeed(9);
    a.normal();
    b.nextFloat();
    b.nextFloat();
    expect(a.state()).toEqual(b.state());
  });

  it('shuffle is an in-place permutation, deterministic, and not the identity', () => {
    const arr = [...Array(50).keys()];
    const out = Rng.fromSeed(3).shuffle(arr);
    expect(out).toBe(arr);
    expect([...arr].sort((x, y) => x - y)).toEqual([...Array(50).keys()]);
    expect(arr).not.toEqual([...Array(50).keys()]);
    expect(Rng.fromSeed(3).shuffle([...Array(50).keys()])).toEqual(arr);
    // Uniformity over the 6 permutations of 3 items.
    const r = Rng.fromSeed(11);
    const counts = new Map<string, number>();
    for (let i = 0; i < 6000; i++) {
      const k = r.shuffle(['a', 'b', 'c']).join('');
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(120);
  });

  it('rejects bad seeds and damaged states with SpsError', () => {
    expectSpsError(() => Rng.fromSeed(-1), 'INVALID_ARGUMENT', 'seed');
    expectSpsError(() => Rng.fromSeed(1.5), 'INVALID_ARGUMENT', 'seed');
    expectSpsError(() => Rng.fromState([1, 2, 3]), 'INVALID_DATA');
    expectSpsError(() => Rng.fromState([1, 2, 3, 2 ** 32]), 'INVALID_DATA');
    expectSpsError(() => Rng.fromState([0, 0, 0, 0]), 'INVALID_DATA', 'zeros');
  });
});
