import { describe, expect, it } from 'vitest';
import { fromLabels, fromPrompt, fromText, randomUniform, sampledVocab, sampleVocabIds, type EmbeddingRows } from '../../../../src/engine/tuning/prompt_init.js';
import { Rng } from '../../../../src/engine/tuning/rng.js';
import { softPrompt } from '../../../../src/engine/tuning/soft_prompt.js';
import { expectSpsError } from '../../../helpers/errors.js';

/** A fake embedding matrix whose row `id` is [id·10, id·10+1, …] so every row is recognisable. */
const D = 3;
const fakeRows: EmbeddingRows = (ids) => {
  const out = new Float64Array(ids.length * D);
  ids.forEach((id, r) => {
    for (let j = 0; j < D; j++) out[r * D + j] = id * 10 + j;
  });
  return out;
};
/** Which token id each prompt row came from (inverse of fakeRows). */
const rowIds = (data: Float64Array): number[] => Array.from({ length: data.length / D }, (_, r) => data[r * D]! / 10);

describe('prompt initialisers', () => {
  it('randomUniform: n×d values in [-range, range), deterministic per seed, spread over the range', () => {
    const p = randomUniform(8, 16, Rng.fromSeed(1));
    expect([p.numVirtualTokens, p.dim, p.data.length]).toEqual([8, 16, 128]);
    expect(Math.min(...p.data)).toBeGreaterThanOrEqual(-0.5);
    expect(Math.max(...p.data)).toBeLessThan(0.5);
    expect(Math.min(...p.data)).toBeLessThan(-0.4);
    expect(Math.max(...p.data)).toBeGreaterThan(0.4);
    expect(Array.from(randomUniform(8, 16, Rng.fromSeed(1)).data)).toEqual(Array.from(p.data));
    expect(Array.from(randomUniform(8, 16, Rng.fromSeed(2)).data)).not.toEqual(Array.from(p.data));
    const wide = randomUniform(4, 4, Rng.fromSeed(1), 2);
    expect(Math.max(...wide.data.map(Math.abs))).toBeGreaterThan(0.5);
  });

  it('sampledVocab: distinct ids, none excluded or below minId, rows from the matrix, deterministic', () => {
    const excludeIds = [0, 1, 2, 7];
    const p = sampledVocab(20, D, fakeRows, 30, Rng.fromSeed(4), { excludeIds, minId: 1 });
    const ids = rowIds(p.data);
    expect(new Set(ids).size).toBe(20);
    for (const id of ids) {
      expect(Number.isInteger(id) && id >= 1 && id < 30).toBe(true);
      expect(excludeIds).not.toContain(id);
    }
    expect(sampleVocabIds(20, 30, Rng.fromSeed(4), { excludeIds, minId: 1 })).toEqual(ids);
    // Exactly all eligible ids when n equals their count.
    expect(sampleVocabIds(26, 30, Rng.fromSeed(9), { excludeIds, minId: 1 }).sort((a, b) => a - b)).toEqual([...Array(30).keys()].filter((i) => i >= 1 && !excludeIds.includes(i)));
    expectSpsError(() => sampleVocabIds(27, 30, Rng.fromSeed(9), { excludeIds, minId: 1 }), 'INVALID_CONFIG', '27', '26');
  });

  it('fromText: PEFT TEXT semantics — cycled when short, truncated when long', () => {
    expect(rowIds(fromText(7, D, [5, 6, 9], fakeRows).data)).toEqual([5, 6, 9, 5, 6, 9, 5]);
    expect(rowIds(fromText(2, D, [5, 6, 9], fakeRows).data)).toEqual([5, 6]);
    expect(Array.from(fromText(1, D, [4], fakeRows).data)).toEqual([40, 41, 42]);
    expectSpsError(() => fromText(3, D, [], fakeRows), 'INVALID_CONFIG', 'init_text');
  });

  it('fromLabels: label tokens concatenated in order, cycled/truncated to n', () => {
    expect(rowIds(fromLabels(6, D, [[3, 4], [8], [1, 2]], fakeRows).data)).toEqual([3, 4, 8, 1, 2, 3]);
    expect(rowIds(fromLabels(2, D, [[3, 4], [8]], fakeRows).data)).toEqual([3, 4]);
    expectSpsError(() => fromLabels(2, D, [[], []], fakeRows), 'INVALID_CONFIG', 'labels');
  });

  it('a lookup returning the wrong size is caught instead of shearing rows', () => {
    expect(() => fromText(2, 4, [1, 2], fakeRows)).toThrow(/embedding lookup returned 6 values/);
  });

  it('fromPrompt: truncates or cycles rows; a width mismatch names both shapes', () => {
    const src = softPrompt(3, 2, Float64Array.from([1, 2, 3, 4, 5, 6]));
    expect(Array.from(fromPrompt(src, 2, 2).data)).toEqual([1, 2, 3, 4]);
    expect(Array.from(fromPrompt(src, 5, 2).data)).toEqual([1, 2, 3, 4, 5, 6, 1, 2, 3, 4]);
    const copy = fromPrompt(src, 3, 2);
    copy.data[0] = 99;
    expect(src.data[0]).toBe(1); // a copy, not a view
    expectSpsError(() => fromPrompt(src, 3, 4), 'TENSOR_MISMATCH', '[3, 2]', '[3, 4]');
  });

  it('rejects a zero-size prompt', () => {
    expectSpsError(() => randomUniform(0, 4, Rng.fromSeed(1)), 'INVALID_CONFIG', 'num_virtual_tokens');
  });
});
