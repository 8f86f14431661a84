import { describe, expect, it } from 'vitest';
import { embeddingTensorName, nearestTokens, nearestTokensFromRows } from '../../../src/engine/inference/nearest_tokens.js';
import { loadModel } from '../../../src/engine/models/load_model.js';
import { embeddingRowsReader } from '../../../src/engine/tuning/embedding_rows.js';
import { softPrompt } from '../../../src/engine/tuning/soft_prompt.js';
import { expectSpsError } from '../../helpers/errors.js';
import { storiesModelDir } from '../../helpers/fixtures.js';
import { mulberry32 } from '../../integration/cli/cli_helpers.js';

/** A seeded vocab × dim matrix and a rows() reader over it. */
function matrix(vocab: number, dim: number, seed: number): { m: Float64Array; rows: (ids: number[]) => Float64Array } {
  const rand = mulberry32(seed);
  const m = Float64Array.from({ length: vocab * dim }, () => rand() * 2 - 1);
  return { m, rows: (ids) => Float64Array.from(ids.flatMap((id) => [...m.subarray(id * dim, (id + 1) * dim)])) };
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

describe('nearestTokensFromRows', () => {
  it('a prompt made of embedding rows (scaled) finds those ids first, similarity 1', () => {
    const { m, rows } = matrix(50, 6, 1);
    const ids = [7, 0, 49, 23];
    const scale = [1, 2.5, 0.01, 100];
    const data = Float64Array.from(ids.flatMap((id, i) => [...m.subarray(id * 6, (id + 1) * 6)].map((v) => v * scale[i]!)));
    const out = nearestTokensFromRows(softPrompt(4, 6, data), rows, 50, (id) => `t${id}`, { k: 3, blockRows: 7 });
    expect(out.map((v) => v.index)).toEqual([0, 1, 2, 3]);
    out.forEach((v, i) => {
      expect(v.tokens).toHaveLength(3);
      expect(v.tokens[0]!.id).toBe(ids[i]);
      expect(v.tokens[0]!.token).toBe(`t${ids[i]}`);
      expect(Math.abs(v.tokens[0]!.similarity - 1)).toBeLessThan(1e-12);
    });
  });

  it('equals a brute-force ranking for any block size (block boundaries, ties to the lower id)', () => {
    const { m, rows } = matrix(37, 5, 2);
    // Row 30 duplicates row 4: equal similarities must list id 4 first.
    m.set(m.subarray(4 * 5, 5 * 5), 30 * 5);
    const prompt = softPrompt(2, 5, Float64Array.from([...m.subarray(4 * 5, 5 * 5), 0.3, -0.2, 0.9, 0.1, -0.5]));
    const brute = [0, 1].map((i) =>
      Array.from({ length: 37 }, (_, id) => ({ id, s: cosine(prompt.data.subarray(i * 5, (i + 1) * 5), m.subarray(id * 5, (id + 1) * 5)) }))
        .sort((a, b) => b.s - a.s || a.id - b.id)
        .slice(0, 6),
    );
    for (const blockRows of [1, 4, 36, 37, 1000]) {
      const out = nearestTokensFromRows(prompt, rows, 37, () => undefined, { k: 6, blockRows });
      out.forEach((v, i) => {
        expect(v.tokens.map((t) => t.id)).toEqual(brute[i]!.map((b) => b.id));
        v.tokens.forEach((t, j) => expect(t.similarity).toBeCloseTo(brute[i]![j]!.s, 12));
      });
      expect(out[0]!.tokens.slice(0, 2).map((t) => t.id)).toEqual([4, 30]);
      expect(out[0]!.tokens[0]!.token).toBe('<id 4>');
    }
  });

  it('a zero virtual token has similarity 0, not NaN', () => {
    const { rows } = matrix(5, 3, 3);
    const out = nearestTokensFromRows(softPrompt(1, 3, new Float64Array(3)), rows, 5, String, { k: 2 });
    expect(out[0]!.tokens.map((t) => [t.id, t.similarity])).toEqual([[0, 0], [1, 0]]);
  });
});

describe('nearestTokens on stories260K', () => {
  it('rows of known ids come back first with similarity 1 (1e-6), with their vocabulary strings', () => {
    const model = loadModel(storiesModelDir());
    const d = model.spec.hiddenSize;
    const ids = [5, 100, 262, 511];
    const rows = embeddingRowsReader(model.weights.get(embeddingTensorName(model)))(ids);
    const out = nearestTokens(softPrompt(ids.length, d, rows), model, { k: 4 });
    out.forEach((v, i) => {
      expect(v.tokens[0]!.id).toBe(ids[i]);
      expect(Math.abs(v.tokens[0]!.similarity - 1)).toBeLessThan(1e-6);
      expect(v.tokens[0]!.token).toBe(model.tokenizer.idToToken(ids[i]!));
      expect(v.tokens[1]!.similarity).toBeLessThan(v.tokens[0]!.similarity);
    });
  });

  it('refuses a prompt of another width', () => {
    const model = loadModel(storiesModelDir());
    expectSpsError(() => nearestTokens(softPrompt(1, 3, new Float64Array(3)), model), 'TENSOR_MISMATCH', '3 wide', 'hidden size is 64');
  });
});
