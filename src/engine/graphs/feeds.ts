import { SpsError } from '../../shared/errors.js';
import type { TokenizedExample } from '../data/example.js';
import type { ModelSpec } from '../models/spec.js';
import { tensor, type HostTensor } from '../runtime/session.js';
import { tokenRow } from './rows.js';
import { INPUT } from './transformer.js';

export interface LabelledBatch {
  feeds: Record<string, HostTensor>;
  numLabelTokens: number;
}

/** Refuses sequences that do not fit the model's context once the prompt is in front. */
export function checkLength(spec: ModelSpec, n: number, ex: TokenizedExample): void {
  if (n + ex.ids.length > spec.maxPositions) {
    throw new SpsError('SEQUENCE_TOO_LONG', `the example has ${ex.ids.length} tokens; with ${n} virtual tokens that is ${n + ex.ids.length}, more than the model's context of ${spec.maxPositions}`, {
      ...(ex.source ? { location: ex.source } : {}),
      hint: 'shorten the example, lower --max-length, or use fewer virtual tokens',
    });
  }
}

/**
 * Token ids, mask, label rows and targets for a batch, right-padded. The row of token j - 1 of
 * example b (rows.ts) predicts token j, so label token j (j ≥ labelStart, j ≥ 1) gives that row.
 */
export function labelledBatch(spec: ModelSpec, n: number, examples: readonly TokenizedExample[], padId = 0): LabelledBatch {
  const B = examples.length;
  for (const ex of examples) checkLength(spec, n, ex);
  const L = Math.max(...examples.map((e) => e.ids.length));
  const ids = new BigInt64Array(B * L).fill(BigInt(padId));
  const mask = new BigInt64Array(B * L);
  const positions: bigint[] = [];
  const labels: bigint[] = [];
  examples.forEach((ex, b) => {
    ex.ids.forEach((id, j) => {
      ids[b * L + j] = BigInt(id);
      mask[b * L + j] = 1n;
      if (j >= ex.labelStart && j >= 1) {
        positions.push(BigInt(tokenRow(n, L, b, j - 1)));
        labels.push(BigInt(id));
      }
    });
  });
  return {
    feeds: {
      [INPUT.ids]: tensor('int64', [B, L], ids),
      [INPUT.mask]: tensor('int64', [B, L], mask),
      [INPUT.positions]: tensor('int64', [positions.length], BigInt64Array.from(positions)),
      [INPUT.labels]: tensor('int64', [labels.length], BigInt64Array.from(labels)),
    },
    numLabelTokens: labels.length,
  };
}
