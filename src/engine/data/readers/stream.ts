import { createReadStream, promises as fsp } from 'node:fs';
import { SpsError } from '../../../shared/errors.js';
import { fileError } from '../../files.js';
import { StrictUtf8Decoder } from '../encoding.js';

/** Progress callback: bytes of the file consumed so far, and the file size. */
export type ProgressFn = (bytesRead: number, totalBytes: number) => void;

/** Read size of one chunk from disk. */
export const CHUNK_BYTES = 1 << 20;

/** Default longest line / CSV record we hold in memory (characters). */
export const DEFAULT_MAX_LINE_CHARS = 16 * 1024 * 1024;

const WHAT = 'data file';

/**
 * Check that `path` is a readable regular file and return its size. Missing files,
 * folders and permission problems become SpsErrors naming the path.
 */
export async function statDataFile(path: string): Promise<number> {
  let st;
  try {
    st = await fsp.stat(path);
  } catch (err) {
    throw fileError(err, path, WHAT, 'check the path, or pick the file again');
  }
  if (st.isDirectory()) {
    throw new SpsError('NOT_A_FILE', `${WHAT} is a folder, expected a file`, { location: { file: path }, hint: 'pick one .csv, .tsv, .jsonl, .json, .parquet or .txt file inside it' });
  }
  if (!st.isFile()) {
    throw new SpsError('NOT_A_FILE', `${WHAT} is not a regular file (a device, pipe or socket)`, { location: { file: path }, hint: 'save the data to a regular file and pick that' });
  }
  return st.size;
}

/** The bytes of a file in chunks, with progress; fs errors become SpsErrors. */
export async function* readByteChunks(path: string, onProgress?: ProgressFn): AsyncGenerator<Buffer> {
  const total = await statDataFile(path);
  const stream = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  let read = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      read += chunk.length;
      onProgress?.(read, Math.max(total, read));
      yield chunk;
    }
  } catch (err) {
    if (err instanceof SpsError) throw err;
    throw fileError(err, path, WHAT, 'check that the file is readable (permissions, or a file that is still being written)');
  } finally {
    stream.destroy();
  }
  if (read === 0) onProgress?.(0, total);
}

/** Strictly decoded UTF-8 text of a file, in chunks (BOM stripped). */
export async function* readTextChunks(path: string, onProgress?: ProgressFn): AsyncGenerator<string> {
  const decoder = new StrictUtf8Decoder(path);
  for await (const bytes of readByteChunks(path, onProgress)) {
    const text = decoder.push(bytes);
    if (text) yield text;
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

/** One physical line (without its line ending) and its 1-based number. */
export interface Line {
  text: string;
  line: number;
}

/**
 * The lines of a text file (`\n`, `\r\n` or `\r` endings), streaming. A line longer than
 * `maxLineChars` is an error rather than an out-of-memory crash.
 */
export async function* readLines(path: string, opts: { onProgress?: ProgressFn; maxLineChars?: number; kind?: string } = {}): AsyncGenerator<Line> {
  const max = opts.maxLineChars ?? DEFAULT_MAX_LINE_CHARS;
  let pending = '';
  let line = 1;
  let skipLf = false;
  for await (const chunk of readTextChunks(path, opts.onProgress)) {
    let start = 0;
    const text = chunk;
    if (skipLf) {
      skipLf = false;
      if (text.startsWith('\n')) start = 1;
    }
    for (;;) {
      const m = nextBreak(text, start);
      if (m < 0) break;
      const piece = pending + text.slice(start, m);
      pending = '';
      if (piece.length > max) throw tooLongLine(path, line, max, opts.kind);
      yield { text: piece, line };
      line++;
      if (text[m] === '\r') {
        if (m + 1 >= text.length) {
          skipLf = true;
          start = m + 1;
          break;
        }
        start = text[m + 1] === '\n' ? m + 2 : m + 1;
      } else start = m + 1;
    }
    pending += text.slice(start);
    if (pending.length > max) throw tooLongLine(path, line, max, opts.kind);
  }
  if (pending.length > max) throw tooLongLine(path, line, max, opts.kind);
  if (pending.length > 0) yield { text: pending, line };
}

function nextBreak(text: string, from: number): number {
  const n = text.indexOf('\n', from);
  const r = text.indexOf('\r', from);
  if (r < 0) return n;
  if (n < 0) return r;
  return Math.min(n, r);
}

export function tooLongLine(path: string, line: number, max: number, kind = 'line'): SpsError {
  return new SpsError('INVALID_DATA', `${kind} ${line} is longer than ${max.toLocaleString('en-US')} characters`, {
    location: { file: path, line },
    hint: 'check that the file has line breaks between records (is it the format its extension says?), or split very long texts into several rows',
  });
}
