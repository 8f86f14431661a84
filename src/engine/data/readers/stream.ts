import { createReadStream, promises as fsp } from 'node:fs';
import { SpsError } from '../../../shared/errors.js';
import { fileError } from '../../files.js';
import { StrictUtf8Decoder, utf8BomLength } from '../encoding.js';

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
export async function* readTextChunks(path: string, onProgress?: ProgressFn, onBom?: (bomBytes: number) => void): AsyncGenerator<string> {
  const decoder = new StrictUtf8Decoder(path);
  let first = true;
  for await (const bytes of readByteChunks(path, onProgress)) {
    if (first && onBom) onBom(utf8BomLength(bytes));
    first = false;
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
  /** Byte offset of the line's first byte in the file, and its length in bytes (ending excluded). */
  offset: number;
  bytes: number;
}

/**
 * The lines of a text file (`\n`, `\r\n` or `\r` endings), streaming. A line longer than
 * `maxLineChars` is an error rather than an out-of-memory crash. Each line carries its byte
 * span, so a line can be read again later without reading the file up to it.
 */
export async function* readLines(path: string, opts: { onProgress?: ProgressFn; maxLineChars?: number; kind?: string } = {}): AsyncGenerator<Line> {
  const max = opts.maxLineChars ?? DEFAULT_MAX_LINE_CHARS;
  let pending = '';
  let line = 1;
  let skipLf = false;
  let offset = -1; // set from the first chunk (after a byte-order mark)
  for await (const chunk of readTextChunks(path, opts.onProgress, (bom) => (offset = bom))) {
    let start = 0;
    const text = chunk;
    if (skipLf) {
      skipLf = false;
      if (text.startsWith('\n')) {
        start = 1;
        offset++;
      }
    }
    const breaks = new LineBreaks(text);
    for (;;) {
      const m = breaks.next(start);
      if (m < 0) break;
      const piece = pending + text.slice(start, m);
      pending = '';
      if (piece.length > max) throw tooLongLine(path, line, max, opts.kind);
      const bytes = Buffer.byteLength(piece, 'utf8');
      yield { text: piece, line, offset, bytes };
      offset += bytes + 1;
      line++;
      if (text[m] === '\r') {
        if (m + 1 >= text.length) {
          skipLf = true;
          start = m + 1;
          break;
        }
        if (text[m + 1] === '\n') {
          start = m + 2;
          offset++;
        } else start = m + 1;
      } else start = m + 1;
    }
    pending += text.slice(start);
    if (pending.length > max) throw tooLongLine(path, line, max, opts.kind);
  }
  if (pending.length > max) throw tooLongLine(path, line, max, opts.kind);
  if (pending.length > 0) yield { text: pending, line, offset, bytes: Buffer.byteLength(pending, 'utf8') };
}

/**
 * Line breaks of one chunk, in order. Remembers where the next '\n' and '\r' are, so a chunk
 * without any '\r' is scanned for it once, not once per line.
 */
class LineBreaks {
  // -2: not searched yet, -1: none left in the chunk (`from` only grows).
  private n = -2;
  private r = -2;
  constructor(private readonly text: string) {}

  next(from: number): number {
    if (this.n !== -1 && this.n < from) this.n = this.text.indexOf('\n', from);
    if (this.r !== -1 && this.r < from) this.r = this.text.indexOf('\r', from);
    if (this.r < 0) return this.n;
    if (this.n < 0) return this.r;
    return Math.min(this.n, this.r);
  }
}

export function tooLongLine(path: string, line: number, max: number, kind = 'line'): SpsError {
  return new SpsError('INVALID_DATA', `${kind} ${line} is longer than ${max.toLocaleString('en-US')} characters`, {
    location: { file: path, line },
    hint: 'check that the file has line breaks between records (is it the format its extension says?), or split very long texts into several rows',
  });
}
