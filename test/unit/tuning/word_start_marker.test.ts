import { describe, expect, it } from 'vitest';
import { loadTokenizer, type TextTokenizer } from '../../../src/engine/models/tokenizer.js';
import { addsWordStartMarker } from '../../../src/engine/tuning/prepare_data.js';
import { storiesModelDir } from '../../helpers/fixtures.js';

/** A GPT-2-like stub: a space belongs to the word after it (" x" is one token, "Ġx"). */
const vocab = new Map<string, number>();
const byteLevel = {
  encode: (s: string) => (s.match(/ ?[^ ]+/g) ?? []).map((w) => vocab.get(w) ?? (vocab.set(w, vocab.size), vocab.size - 1)),
} as unknown as TextTokenizer;

describe('addsWordStartMarker (default verbalizer spacing)', () => {
  it('is true for the SentencePiece stories tokenizer, where " x" costs an extra "▁" token', () => {
    expect(addsWordStartMarker(loadTokenizer(storiesModelDir()))).toBe(true);
  });
  it('is false for a byte-level tokenizer, where the space belongs to the word', () => {
    expect(addsWordStartMarker(byteLevel)).toBe(false);
  });
});
