import { describe, expect, it } from 'vitest';
import type { TokenizedExample } from '../../../src/engine/data/example.js';
import { checkLength, labelledBatch } from '../../../src/engine/graphs/feeds.js';
import { INPUT } from '../../../src/engine/graphs/transformer.js';
import type { ModelSpec } from '../../../src/engine/models/spec.js';
import { expectSpsError } from '../../helpers/errors.js';

// Only maxPositions matters to the feeds.
const spec = { maxPositions: 16 } as ModelSpec;
const big = (xs: number[]) => BigInt64Array.from(xs.map(BigInt));

describe('labelledBatch', () => {
  it('right-pads a 2-example batch; row b·T + n + j − 1 predicts token j', () => {
    const n = 3;
    const a: TokenizedExample = { ids: [1, 5, 6, 7], labelStart: 2 };
    const b: TokenizedExample = { ids: [1, 8, 9, 10, 11, 12], labelStart: 3 };
    const { feeds, numLabelTokens } = labelledBatch(spec, n, [a, b], 2);
    const L = 6;
    expect(feeds[INPUT.ids]!.dims).toEqual([2, L]);
    expect(feeds[INPUT.ids]!.dtype).toBe('int64');
    expect(feeds[INPUT.ids]!.data).toEqual(big([1, 5, 6, 7, 2, 2, 1, 8, 9, 10, 11, 12]));
    expect(feeds[INPUT.mask]!.dims).toEqual([2, L]);
    expect(feeds[INPUT.mask]!.data).toEqual(big([1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1]));
    // a: labels j = 2, 3; b: labels j = 3, 4, 5.
    // Rows (graphs/rows.ts): the n prompt rows once, then a's L token rows, then b's; the row of
    // token j - 1 predicts token j.
    expect(feeds[INPUT.positions]!.data).toEqual(big([n + 0 * L + 2 - 1, n + 0 * L + 3 - 1, n + L + 3 - 1, n + L + 4 - 1, n + L + 5 - 1]));
    expect(feeds[INPUT.positions]!.data).toEqual(big([4, 5, 11, 12, 13]));
    expect(feeds[INPUT.labels]!.data).toEqual(big([6, 7, 10, 11, 12]));
    expect(feeds[INPUT.positions]!.dims).toEqual([5]);
    expect(feeds[INPUT.labels]!.dims).toEqual([5]);
    expect(numLabelTokens).toBe(5);
    // Every label row is a real (unpadded) token's row: its mask is 1.
    const mask = feeds[INPUT.mask]!.data as BigInt64Array;
    for (const p of feeds[INPUT.positions]!.data as BigInt64Array) {
      const row = Number(p) - n;
      expect(row).toBeGreaterThanOrEqual(0);
      const bIdx = Math.floor(row / L);
      const t = row % L;
      expect(mask[bIdx * L + t]).toBe(1n);
    }
  });

  it('with no virtual tokens, row j − 1 predicts token j', () => {
    const { feeds } = labelledBatch(spec, 0, [{ ids: [1, 4, 5], labelStart: 1 }]);
    expect(feeds[INPUT.positions]!.data).toEqual(big([0, 1]));
    expect(feeds[INPUT.labels]!.data).toEqual(big([4, 5]));
  });

  it('never labels token 0 (nothing predicts it)', () => {
    const { feeds, numLabelTokens } = labelledBatch(spec, 2, [{ ids: [7, 8], labelStart: 0 }]);
    expect(feeds[INPUT.positions]!.data).toEqual(big([2]));
    expect(feeds[INPUT.labels]!.data).toEqual(big([8]));
    expect(numLabelTokens).toBe(1);
  });

  it('pads with 0 by default', () => {
    const { feeds } = labelledBatch(spec, 1, [{ ids: [1, 2], labelStart: 1 }, { ids: [1, 2, 3], labelStart: 1 }]);
    expect(feeds[INPUT.ids]!.data).toEqual(big([1, 2, 0, 1, 2, 3]));
  });

  it('refuses a batch with a sequence that does not fit', () => {
    expectSpsError(() => labelledBatch(spec, 4, [{ ids: [1, 2], labelStart: 1 }, { ids: Array(13).fill(3), labelStart: 1, source: { file: 'd.jsonl', line: 2 } }]), 'SEQUENCE_TOO_LONG', 'd.jsonl:2');
  });
});

describe('checkLength', () => {
  it('accepts n + length up to the context, refuses one more', () => {
    expect(() => checkLength(spec, 4, { ids: Array(12).fill(1), labelStart: 1 })).not.toThrow();
    expect(() => checkLength(spec, 0, { ids: Array(16).fill(1), labelStart: 1 })).not.toThrow();
    const err = expectSpsError(
      () => checkLength(spec, 4, { ids: Array(13).fill(1), labelStart: 1, source: { file: 'data.jsonl', line: 9 } }),
      'SEQUENCE_TOO_LONG',
      'data.jsonl:9',
      '13 tokens',
      '17',
      'context of 16',
    );
    expect(err.location).toEqual({ file: 'data.jsonl', line: 9 });
  });

  it('without a source, still says how long', () => {
    const err = expectSpsError(() => checkLength(spec, 0, { ids: Array(17).fill(1), labelStart: 1 }), 'SEQUENCE_TOO_LONG', '17 tokens');
    expect(err.location).toBeUndefined();
  });
});
