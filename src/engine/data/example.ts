import { SpsError, type ErrorLocation } from '../../shared/errors.js';
import type { TextTokenizer } from '../models/tokenizer.js';

/** One training example: `input` is the conditioning text, `output` the tokens the loss covers. */
export interface Example {
  input: string;
  output: string;
  /** Where it came from, for errors (file and line). */
  source?: ErrorLocation;
}

/** Token ids of an example; ids[j] for j ≥ labelStart are the label tokens. */
export interface TokenizedExample {
  ids: number[];
  labelStart: number;
  source?: ErrorLocation;
}

/**
 * DESIGN.md "Tuning semantics": ids = tokenize(input, special tokens) ++ tokenize(output, none),
 * loss over the output tokens. A language-modelling `{"text": t}` is `{input: "", output: t}`.
 */
export function tokenizeExample(tok: TextTokenizer, ex: Example): TokenizedExample {
  const prefix = tok.encode(ex.input, { addSpecialTokens: true });
  const target = tok.encode(ex.output, { addSpecialTokens: false });
  if (target.length === 0) {
    throw new SpsError('INVALID_DATA', 'the example has no output tokens, so it gives no loss', { ...(ex.source ? { location: ex.source } : {}), hint: 'give each example a non-empty "output" (or "text")' });
  }
  if (prefix.length === 0) {
    // With no BOS and no input, the first output token has nothing to be predicted from.
    return { ids: target, labelStart: 1, ...(ex.source ? { source: ex.source } : {}) };
  }
  return { ids: [...prefix, ...target], labelStart: prefix.length, ...(ex.source ? { source: ex.source } : {}) };
}
