import { describe, expect, it } from 'vitest';
import { checkSampling, sampleToken } from '../../../src/engine/inference/sampling.js';
import { Rng } from '../../../src/engine/tuning/rng.js';

const logits = Float32Array.from([0.1, 2.0, 1.5, -1, 1.9]);

describe('sampleToken', () => {
  it('is greedy at temperature 0', () => {
    expect(sampleToken(logits, 0, 5, {}, Rng.fromSeed(1))).toBe(1);
  });
  it('top-k 1 and a tiny top-p reduce to the argmax', () => {
    for (let s = 0; s < 20; s++) {
      expect(sampleToken(logits, 0, 5, { temperature: 1, topK: 1 }, Rng.fromSeed(s))).toBe(1);
      expect(sampleToken(logits, 0, 5, { temperature: 1, topP: 0.01 }, Rng.fromSeed(s))).toBe(1);
    }
  });
  it('top-k 2 only ever picks the two best tokens, with frequencies near their softmax', () => {
    const rng = Rng.fromSeed(9);
    const counts = [0, 0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[sampleToken(logits, 0, 5, { temperature: 1, topK: 2 }, rng)]!++;
    expect(counts[0]! + counts[2]! + counts[3]!).toBe(0);
    const p1 = Math.exp(2.0) / (Math.exp(2.0) + Math.exp(1.9));
    expect(Math.abs(counts[1]! / 4000 - p1)).toBeLessThan(0.03);
  });
  it('reads a row at an offset', () => {
    const two = Float32Array.from([9, 0, 0, 0, 0, ...logits]);
    expect(sampleToken(two, 5, 5, {}, Rng.fromSeed(1))).toBe(1);
  });
  it('rejects bad settings, naming the flag', () => {
    expect(() => checkSampling({ temperature: -1 })).toThrow(/--temperature/);
    expect(() => checkSampling({ topK: 1.5 })).toThrow(/--top-k/);
    expect(() => checkSampling({ topP: 0 })).toThrow(/--top-p/);
  });
});
