import { SpsError } from '../../../shared/errors.js';
import { readLines, readTextChunks, type ProgressFn } from './stream.js';
import type { DataRecord } from './types.js';

/** Default chunk size for `textMode: 'chunks'` (characters; ~250–500 tokens for small vocabularies). */
export const DEFAULT_CHUNK_CHARS = 1000;

/**
 * Plain UTF-8 text for language modelling, as records `{text}`:
 * - 'lines': one record per non-blank line (the line as it is, without its line ending);
 * - 'chunks': the whole file cut into pieces of at most ~chunkChars characters, cut at a
 *   blank line, else after a sentence end, else at whitespace in the second half of the
 *   window (a hard cut only when a window has no whitespace). Pieces are trimmed.
 */
export async function* readText(
  path: string,
  opts: { onProgress?: ProgressFn; textMode?: 'lines' | 'chunks'; chunkChars?: number; maxLineChars?: number } = {},
): AsyncGenerator<DataRecord> {
  let rows = 0;
  if ((opts.textMode ?? 'lines') === 'lines') {
    for await (const { text, line, offset, bytes } of readLines(path, { ...opts, kind: 'line' })) {
      if (text.trim() === '') continue;
      rows++;
      yield { fields: { text }, line, span: { offset, bytes } };
    }
  } else {
    const size = opts.chunkChars ?? DEFAULT_CHUNK_CHARS;
    if (!Number.isInteger(size) || size < 16) {
      throw new SpsError('INVALID_ARGUMENT', `chunk size must be an integer of at least 16 characters, got ${size}`, { location: { field: 'chunkChars' }, hint: `use e.g. ${DEFAULT_CHUNK_CHARS}` });
    }
    let buf = '';
    let line = 1; // line of buf[0]
    const emit = function* (piece: string): Generator<DataRecord> {
      const lead = piece.length - piece.trimStart().length;
      const startLine = line + countNl(piece, 0, lead);
      line += countNl(piece, 0, piece.length);
      const t = piece.trim();
      if (t !== '') {
        rows++;
        yield { fields: { text: t }, line: startLine };
      }
    };
    for await (const chunk of readTextChunks(path, opts.onProgress)) {
      buf += chunk;
      while (buf.length > size) {
        const cut = cutPoint(buf, size);
        yield* emit(buf.slice(0, cut));
        buf = buf.slice(cut);
      }
    }
    yield* emit(buf);
  }
  if (rows === 0) {
    throw new SpsError('INVALID_DATA', 'the text file is empty (no non-blank text)', { location: { file: path, line: 1 }, hint: 'put the training text in the file: one example per line, or running text with textMode "chunks"' });
  }
}

function countNl(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = s.indexOf('\n', from); i >= 0 && i < to; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** Where to cut `buf` so the first piece has at most `size` characters. */
export function cutPoint(buf: string, size: number): number {
  const half = size >> 1;
  const para = buf.lastIndexOf('\n\n', size - 2);
  if (para >= half) return para + 2;
  for (let i = size; i > half; i--) {
    if (/\s/.test(buf[i] ?? '') && /[.!?"”]/.test(buf[i - 1] ?? '')) return i;
  }
  for (let i = size; i > half; i--) if (/\s/.test(buf[i] ?? '')) return i;
  // No whitespace: hard cut, not inside a surrogate pair.
  const c = buf.charCodeAt(size - 1);
  return c >= 0xd800 && c <= 0xdbff ? size - 1 : size;
}
