import { describe, expect, it } from 'vitest';
import { accuracy, confusionMatrix, exactMatch, generationExactMatch, macroF1, perplexity, tokenF1 } from '../../../../src/engine/tuning/metrics.js';

// sklearn is not installed here, so expected values are hand-derived (shown) or taken from
// sklearn's own documentation examples (cited).
describe('classification metrics', () => {
  it('accuracy', () => {
    expect(accuracy([0, 0, 1, 1, 2, 2, 2], [0, 1, 1, 1, 2, 0, 3])).toBeCloseTo(4 / 7, 15);
    expect(accuracy([], [])).toBeNaN();
    expect(() => accuracy([1], [])).toThrow();
  });

  it('macro-F1 matches the sklearn docs example (f1_score average="macro" → 0.2666…)', () => {
    expect(macroF1([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1])).toBeCloseTo(0.26666666666666666, 15);
  });

  it('macro-F1 averages over classes in truth OR prediction; zero-division gives 0', () => {
    // class 0: tp1 fp1 fn1 → 2/4; class 1: tp2 fp1 fn0 → 4/5; class 2: tp1 fp0 fn2 → 2/4;
    // class 3 (predicted only): tp0 fp1 → 0. Mean over 4 classes = 1.8/4.
    expect(macroF1([0, 0, 1, 1, 2, 2, 2], [0, 1, 1, 1, 2, 0, 3])).toBeCloseTo(0.45, 15);
    // A class that is only in the truth counts with F1 0 (recall 0).
    expect(macroF1([0, 1], [0, 0])).toBeCloseTo((2 / 3 + 0) / 2, 15);
    expect(macroF1([5, 5], [5, 5])).toBe(1);
    expect(macroF1([], [])).toBeNaN();
  });

  it('confusion matrix matches the sklearn docs example (rows = truth)', () => {
    expect(confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2], 3)).toEqual([
      [2, 0, 0],
      [0, 0, 1],
      [1, 0, 2],
    ]);
    expect(confusionMatrix([0, 0], [1, 1], 2)).toEqual([
      [0, 2],
      [0, 0],
    ]);
    expect(() => confusionMatrix([0], [3], 3)).toThrow(/outside/);
  });
});

describe('generation metrics', () => {
  it('token F1 over multisets (SQuAD)', () => {
    // overlap of {1,2,2,3} and {2,2,2,4} is {2,2}: P = R = 2/4.
    expect(tokenF1([1, 2, 2, 3], [2, 2, 2, 4])).toBeCloseTo(0.5, 15);
    // overlap 1: P = 1/2, R = 1 → 2/3 (a repeated token counts once per reference occurrence).
    expect(tokenF1([1, 1], [1])).toBeCloseTo(2 / 3, 15);
    expect(tokenF1([3, 1, 2], [1, 2, 3])).toBe(1);
    expect(tokenF1([4], [5])).toBe(0);
    expect(tokenF1([], [])).toBe(1);
    expect(tokenF1([], [1])).toBe(0);
  });

  it('exact match: whole sequence vs. first len(reference) generated tokens', () => {
    expect(exactMatch([1, 2], [1, 2])).toBe(true);
    expect(exactMatch([1, 2, 3], [1, 2])).toBe(false);
    expect(generationExactMatch([1, 2, 3], [1, 2])).toBe(true);
    expect(generationExactMatch([1], [1, 2])).toBe(false);
    expect(generationExactMatch([1, 3], [1, 2])).toBe(false);
  });

  it('perplexity = exp(mean loss)', () => {
    expect(perplexity(0)).toBe(1);
    expect(perplexity(Math.log(42))).toBeCloseTo(42, 12);
  });
});
