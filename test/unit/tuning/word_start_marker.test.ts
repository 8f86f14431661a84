import { describe, expect, it } from 'vitest';
import { loadTokenizer, type TextTokenizer } from '../../../src/engine/models/tokenizer.js';
import { addsWordStartMarker } from '../../../src/engine/tuning/prepare_data.js';
import { storiesModelDir } from '../../helpers/fixtures.js';

/** A tokenizer stub mapping each character to its code (no word-start marker). */
const byteLevel = { encode: (s: string) => [...s].map((c) => c.charCodeAt(0)) } as unknown as TextTokenizer;

describe('addsWordStartMarker (default verbalizer spacing)', () => {
  it('is true for the SentencePiece stories tokenizer, where " x" costs an extra "▁" token', () => {
    expect(addsWordStartMarker(loadTokenizer(storiesModelDir()))).toBe(true);
  });
  it('is false for a byte-level tokenizer, where the space belongs to the word', () => {
    expect(addsWordStartMarker(byteLevel)).toBe(false);
  });
});
