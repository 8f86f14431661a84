import { describe, expect, it } from 'vitest';
import { meanPool, promptSimilarity, rankRunsBySimilarity } from '../../../src/engine/inference/prompt_similarity.js';
import { softPrompt } from '../../../src/engine/tuning/soft_prompt.js';
import { randomPrompt } from '../../integration/cli/cli_helpers.js';

describe('prompt similarity', () => {
  const a = randomPrompt(4, 16, 1);
  const b = randomPrompt(7, 16, 2);

  it('mean-pools the rows', () => {
    expect([...meanPool(softPrompt(2, 2, Float64Array.from([1, 2, 3, 6])))]).toEqual([2, 4]);
  });

  it('is 1 for identical prompts, symmetric, in [-1, 1], and sign-aware', () => {
    expect(promptSimilarity(a, a)).toBeCloseTo(1, 12);
    const ab = promptSimilarity(a, b)!;
    expect(promptSimilarity(b, a)).toBe(ab);
    expect(Math.abs(ab)).toBeLessThanOrEqual(1);
    const neg = softPrompt(4, 16, a.data.map((v) => -v));
    expect(promptSimilarity(a, neg)).toBeCloseTo(-1, 12);
    // Same mean, different number of virtual tokens: the same direction.
    const twice = softPrompt(8, 16, Float64Array.from([...a.data, ...a.data]));
    expect(promptSimilarity(a, twice)).toBeCloseTo(1, 12);
  });

  it('different widths are incomparable (undefined), not an error; a zero mean gives 0', () => {
    expect(promptSimilarity(a, randomPrompt(4, 8, 3))).toBeUndefined();
    expect(promptSimilarity(a, softPrompt(2, 16, new Float64Array(32)))).toBe(0);
  });

  it('ranks candidates most similar first and lists other widths as incomparable', () => {
    const near = softPrompt(4, 16, a.data.map((v, i) => v + (i % 3 === 0 ? 0.01 : 0)));
    const r = rankRunsBySimilarity(a, [
      { id: 'other', prompt: b },
      { id: 'wide', prompt: randomPrompt(2, 32, 4) },
      { id: 'same', prompt: a },
      { id: 'near', prompt: near },
    ]);
    expect(r.ranked.map((x) => x.id)).toEqual(['same', 'near', 'other']);
    expect(r.ranked[0]!.similarity).toBeCloseTo(1, 12);
    expect(r.ranked[2]).toMatchObject({ id: 'other', numVirtualTokens: 7 });
    expect(r.incomparable).toEqual([{ id: 'wide', dim: 32, reason: expect.stringContaining('32') as unknown as string }]);
    expect(rankRunsBySimilarity(a, [])).toEqual({ ranked: [], incomparable: [] });
  });
});
