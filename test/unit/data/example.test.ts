import { describe, expect, it } from 'vitest';
import { tokenizeExample, type Example } from '../../../src/engine/data/example.js';
import { loadTokenizer, type TextTokenizer } from '../../../src/engine/models/tokenizer.js';
import { expectSpsError } from '../../helpers/errors.js';
import { storiesModelDir } from '../../helpers/fixtures.js';

// From the stories260K README ("Tokenizer round trip" and the greedy token list).
const SENTENCE = 'Once upon a time, there was a little girl named Lily.';
const SENTENCE_IDS = [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426];
const SHE_LOVED = [338, 401, 396]; // ▁She ▁lo ved

describe('tokenizeExample on the stories260K tokenizer', () => {
  const tok = loadTokenizer(storiesModelDir());

  it('input gets BOS, output does not; labels start after the input', () => {
    const r = tokenizeExample(tok, { input: SENTENCE, output: 'She loved' });
    expect(r.ids).toEqual([...SENTENCE_IDS, ...SHE_LOVED]);
    expect(r.labelStart).toBe(SENTENCE_IDS.length);
    expect(r.source).toBeUndefined();
  });

  it('tokenizes input and output separately (a leading space in output is its own "▁")', () => {
    // Per DESIGN.md: ids = tokenize(input, special) ++ tokenize(output, none); SentencePiece
    // prefixes "▁" to the output, so " She" becomes "▁" + "▁She".
    const r = tokenizeExample(tok, { input: SENTENCE, output: ' She loved' });
    expect(r.ids.slice(0, SENTENCE_IDS.length)).toEqual(SENTENCE_IDS);
    expect(r.ids.slice(SENTENCE_IDS.length)).toEqual(tok.encode(' She loved', { addSpecialTokens: false }));
    expect(r.labelStart).toBe(SENTENCE_IDS.length);
  });

  it('a text example (input "") is BOS then the text, every text token labelled', () => {
    const r = tokenizeExample(tok, { input: '', output: SENTENCE });
    expect(r.ids).toEqual(SENTENCE_IDS);
    expect(r.labelStart).toBe(1);
  });

  it('keeps the source location', () => {
    const source = { file: 'data.jsonl', line: 7 };
    expect(tokenizeExample(tok, { input: 'a', output: 'b', source }).source).toEqual(source);
  });

  it('an empty output is an error naming the line', () => {
    const ex: Example = { input: 'hello', output: '', source: { file: 'data.jsonl', line: 4 } };
    const err = expectSpsError(() => tokenizeExample(tok, ex), 'INVALID_DATA', 'data.jsonl:4', 'no output tokens');
    expect(err.location).toEqual({ file: 'data.jsonl', line: 4 });
  });
});

describe('tokenizeExample with a tokenizer that adds no BOS', () => {
  // A stub: one id per character, no special tokens.
  const stub: TextTokenizer = {
    encode: (text) => [...text].map((c) => c.charCodeAt(0)),
    decode: () => '',
    decodeToken: () => '',
    idToToken: () => undefined,
    tokenToId: () => undefined,
    bosTokenId: undefined,
    eosTokenIds: [],
    vocabSize: 256,
  };

  it('with an input, labels start after it', () => {
    expect(tokenizeExample(stub, { input: 'ab', output: 'cd' })).toEqual({ ids: [97, 98, 99, 100], labelStart: 2 });
  });

  it('with no input, the first output token has no context and is not a label', () => {
    expect(tokenizeExample(stub, { input: '', output: 'xyz' })).toEqual({ ids: [120, 121, 122], labelStart: 1 });
  });
});
