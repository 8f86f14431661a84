import type { ErrorLocation, SpsErrorCode } from '../../shared/errors.js';
import type { TextTokenizer } from '../models/tokenizer.js';
import { tokenizeExample, type Example } from './example.js';

/** A batch of examples to tokenize (by their index in the dataset), and its answer. */
export interface TokenizeRequest {
  id: number;
  items: Array<{ index: number; input: string; output: string; source?: ErrorLocation }>;
}

export interface TokenizedBatch {
  /** The items' indices, token counts and label starts; their ids concatenated. */
  indices: Uint32Array;
  lengths: Uint32Array;
  labelStarts: Uint32Array;
  ids: Uint32Array;
}

export type TokenizeReply = { id: number } & (TokenizedBatch | { error: { code: SpsErrorCode; message: string; location?: ErrorLocation; hint?: string } });

/** tokenizeExample over a batch, packed into typed arrays (cheap to pass between threads). */
export function tokenizeExamples(tok: TextTokenizer, items: TokenizeRequest['items']): TokenizedBatch {
  const parts: number[][] = [];
  const indices = new Uint32Array(items.length);
  const lengths = new Uint32Array(items.length);
  const labelStarts = new Uint32Array(items.length);
  let total = 0;
  items.forEach((it, k) => {
    const ex: Example = { input: it.input, output: it.output, ...(it.source ? { source: it.source } : {}) };
    const t = tokenizeExample(tok, ex);
    parts.push(t.ids);
    indices[k] = it.index;
    lengths[k] = t.ids.length;
    labelStarts[k] = t.labelStart;
    total += t.ids.length;
  });
  const ids = new Uint32Array(total);
  let o = 0;
  for (const p of parts) {
    ids.set(p, o);
    o += p.length;
  }
  return { indices, lengths, labelStarts, ids };
}
