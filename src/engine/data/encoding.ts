import { SpsError } from '../../shared/errors.js';

/**
 * Strict UTF-8 for data files. Text files must be UTF-8 (a UTF-8 byte-order mark is allowed
 * and stripped); anything else is refused with the byte offset and line of the first bad
 * byte, a guess at the real encoding and the command that converts it. Characters are never
 * replaced silently: a model tuned on U+FFFD instead of "é" learns the wrong thing.
 */

export type GuessedEncoding = 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be' | 'windows-1252' | 'latin-1' | 'binary';

/** Names `iconv` understands, for the suggested fix. */
const ICONV_NAME: Record<GuessedEncoding, string> = {
  'utf-16le': 'UTF-16LE',
  'utf-16be': 'UTF-16BE',
  'utf-32le': 'UTF-32LE',
  'utf-32be': 'UTF-32BE',
  'windows-1252': 'WINDOWS-1252',
  'latin-1': 'ISO-8859-1',
  binary: '',
};

const BOM_UTF8 = [0xef, 0xbb, 0xbf];

/** Length of a UTF-8 byte-order mark at the start of `bytes` (0 or 3). */
export function utf8BomLength(bytes: Uint8Array): number {
  return bytes.length >= 3 && bytes[0] === BOM_UTF8[0] && bytes[1] === BOM_UTF8[1] && bytes[2] === BOM_UTF8[2] ? 3 : 0;
}

/**
 * Look at the first bytes of a file and recognise what is certainly not UTF-8 text:
 * UTF-16/32 (by BOM, or by the NUL bytes every ASCII character carries there), and common
 * binary containers (zip/xlsx, gzip, Parquet, PDF). Returns undefined when it may be UTF-8.
 */
export function sniffNonUtf8(head: Uint8Array): { encoding: GuessedEncoding; what: string } | undefined {
  const b = (i: number): number => head[i] ?? -1;
  if (b(0) === 0xff && b(1) === 0xfe && b(2) === 0 && b(3) === 0) return { encoding: 'utf-32le', what: 'UTF-32 (little-endian, with a byte-order mark)' };
  if (b(0) === 0 && b(1) === 0 && b(2) === 0xfe && b(3) === 0xff) return { encoding: 'utf-32be', what: 'UTF-32 (big-endian, with a byte-order mark)' };
  if (b(0) === 0xff && b(1) === 0xfe) return { encoding: 'utf-16le', what: 'UTF-16 (little-endian, with a byte-order mark)' };
  if (b(0) === 0xfe && b(1) === 0xff) return { encoding: 'utf-16be', what: 'UTF-16 (big-endian, with a byte-order mark)' };
  if (b(0) === 0x50 && b(1) === 0x4b && b(2) === 0x03 && b(3) === 0x04) return { encoding: 'binary', what: 'a zip archive (an Excel .xlsx or .ods workbook is one)' };
  if (b(0) === 0x1f && b(1) === 0x8b) return { encoding: 'binary', what: 'gzip-compressed data' };
  if (b(0) === 0x50 && b(1) === 0x41 && b(2) === 0x52 && b(3) === 0x31) return { encoding: 'binary', what: 'a Parquet file' };
  if (b(0) === 0x25 && b(1) === 0x50 && b(2) === 0x44 && b(3) === 0x46) return { encoding: 'binary', what: 'a PDF document' };
  const n = Math.min(head.length, 4096);
  if (n < 2) return undefined;
  let nulEven = 0;
  let nulOdd = 0;
  for (let i = 0; i < n; i++) {
    if (head[i] === 0) {
      if (i % 2 === 0) nulEven++;
      else nulOdd++;
    }
  }
  const pairs = n / 2;
  // ASCII text in UTF-16 has a NUL in every other byte.
  if (nulOdd > pairs * 0.3 && nulEven < pairs * 0.05) return { encoding: 'utf-16le', what: 'UTF-16 (little-endian, no byte-order mark)' };
  if (nulEven > pairs * 0.3 && nulOdd < pairs * 0.05) return { encoding: 'utf-16be', what: 'UTF-16 (big-endian, no byte-order mark)' };
  if (nulEven + nulOdd > n * 0.05) return { encoding: 'binary', what: 'binary data (it has many NUL bytes)' };
  return undefined;
}

/** The suggested fix for a file in `enc`. */
export function conversionHint(path: string, enc: GuessedEncoding, what?: string): string {
  if (enc === 'binary') {
    return `this does not look like a text file${what ? ` (${what})` : ''}: export or save the data as CSV (UTF-8), JSONL, JSON or Parquet`;
  }
  const out = path.replace(/(\.[^./\\]+)?$/, '.utf8$1');
  return `convert it to UTF-8, e.g. \`iconv -f ${ICONV_NAME[enc]} -t UTF-8 '${path}' > '${out}'\`, or re-save it as "UTF-8" in your editor or spreadsheet`;
}

/** Error for a file that is recognisably not UTF-8 from its first bytes. */
export function notUtf8Error(path: string, sniffed: { encoding: GuessedEncoding; what: string }): SpsError {
  const msg = sniffed.encoding === 'binary' ? `the file is not text: it looks like ${sniffed.what}` : `the file is encoded as ${sniffed.what}, not UTF-8`;
  return new SpsError('INVALID_DATA', msg, { location: { file: path, line: 1 }, hint: conversionHint(path, sniffed.encoding, sniffed.what) });
}

/**
 * Byte offset of the first invalid UTF-8 sequence in `bytes[from..]`, or -1. With
 * `allowTruncatedEnd`, an incomplete sequence at the very end is not an error (more bytes follow).
 */
export function findInvalidUtf8(bytes: Uint8Array, from = 0, allowTruncatedEnd = false): number {
  const n = bytes.length;
  let i = from;
  while (i < n) {
    const c = bytes[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f; // no UTF-16 surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return allowTruncatedEnd ? -1 : i;
      const d = bytes[i + k] as number;
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (d < min || d > max) return i;
    }
    i += need + 1;
  }
  return -1;
}

/**
 * Guess what a non-UTF-8 byte sequence is. Bytes 0x80–0x9F are printable in Windows-1252
 * (curly quotes, €, …) but control codes in Latin-1, so their presence points to Windows-1252.
 */
export function guessSingleByteEncoding(sample: Uint8Array): GuessedEncoding {
  const sniffed = sniffNonUtf8(sample);
  if (sniffed) return sniffed.encoding;
  for (const c of sample) if (c >= 0x80 && c <= 0x9f) return 'windows-1252';
  return 'windows-1252'; // a superset of Latin-1's printable range; the safer conversion
}

const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

/** How `bytes` would read in Windows-1252, for the error message. */
function asCp1252(bytes: Uint8Array): string {
  let s = '';
  for (const c of bytes) s += c >= 0x80 && c <= 0x9f ? (CP1252_HIGH[c - 0x80] ?? '?') : String.fromCharCode(c);
  return s;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (c) => c.toString(16).padStart(2, '0')).join(' ');
}

/** The error for an invalid UTF-8 sequence at absolute byte `offset`, on 1-based `line`. */
export function invalidUtf8Error(path: string, offset: number, line: number, window: Uint8Array, indexInWindow: number): SpsError {
  const bad = window.subarray(indexInWindow, Math.min(window.length, indexInWindow + 4));
  const enc = guessSingleByteEncoding(window.subarray(Math.max(0, indexInWindow - 2048), Math.min(window.length, indexInWindow + 2048)));
  const shown = enc === 'windows-1252' || enc === 'latin-1' ? ` (in Windows-1252 that would read "${asCp1252(bad.subarray(0, 1))}")` : '';
  return new SpsError(
    'INVALID_DATA',
    `the file is not valid UTF-8: invalid byte sequence at byte offset ${offset} on line ${line} (bytes ${hex(bad)})${shown}; it is probably encoded as ${enc === 'binary' ? 'binary data' : ICONV_NAME[enc]}`,
    { location: { file: path, line }, hint: conversionHint(path, enc) },
  );
}

/**
 * Incremental strict UTF-8 decoder for a file read in chunks. Strips a leading UTF-8 BOM,
 * refuses UTF-16/32 and binary files from the first chunk, and throws `invalidUtf8Error`
 * at the first bad byte. Characters split across chunks are carried over.
 */
export class StrictUtf8Decoder {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private carry: Uint8Array = new Uint8Array(0);
  private offset = 0; // absolute offset of carry[0]
  private newlines = 0; // '\n' bytes before `offset`
  private started = false;

  constructor(private readonly path: string) {}

  /** Decode the next chunk; returns the text it completes. */
  push(chunk: Uint8Array): string {
    let bytes = chunk;
    if (this.carry.length > 0) {
      bytes = new Uint8Array(this.carry.length + chunk.length);
      bytes.set(this.carry, 0);
      bytes.set(chunk, this.carry.length);
    }
    let start = 0;
    if (!this.started) {
      if (bytes.length < 4 && chunk.length > 0) {
        // Too little to recognise a BOM: wait for more (or end()).
        this.carry = bytes;
        return '';
      }
      this.started = true;
      const sniffed = sniffNonUtf8(bytes);
      if (sniffed) throw notUtf8Error(this.path, sniffed);
      start = utf8BomLength(bytes);
    }
    // Cut before an incomplete trailing sequence (at most 3 bytes).
    let end = bytes.length;
    for (let k = 1; k <= 3 && end - k >= start; k++) {
      const c = bytes[end - k] as number;
      if (c < 0x80) break;
      if (c >= 0xc0) {
        const len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        if (k < len) end -= k;
        break;
      }
    }
    const text = this.decode(bytes, start, end);
    this.carry = bytes.slice(end);
    return text;
  }

  /** Flush at end of file: an incomplete final sequence is an error. */
  end(): string {
    if (!this.started) {
      this.started = true;
      const bytes = this.carry;
      if (bytes.length === 0) return '';
      const sniffed = sniffNonUtf8(bytes);
      if (sniffed && bytes.length >= 2) throw notUtf8Error(this.path, sniffed);
      const start = utf8BomLength(bytes);
      this.carry = new Uint8Array(0);
      return this.decode(bytes, start, bytes.length);
    }
    const bytes = this.carry;
    this.carry = new Uint8Array(0);
    return bytes.length === 0 ? '' : this.decode(bytes, 0, bytes.length);
  }

  private decode(bytes: Uint8Array, start: number, end: number): string {
    const part = bytes.subarray(start, end);
    let text: string;
    try {
      text = this.decoder.decode(part);
    } catch {
      const bad = findInvalidUtf8(part);
      const idx = bad < 0 ? 0 : bad;
      let lines = this.newlines;
      for (let i = 0; i < idx; i++) if (part[i] === 0x0a) lines++;
      throw invalidUtf8Error(this.path, this.offset + start + idx, lines + 1, part, idx);
    }
    let nl = 0;
    for (let i = part.indexOf(0x0a); i >= 0; i = part.indexOf(0x0a, i + 1)) nl++;
    this.newlines += nl;
    this.offset += end;
    return text;
  }
}

/** Decode a whole buffer strictly (small files and tests). */
export function decodeUtf8Strict(bytes: Uint8Array, path: string): string {
  const d = new StrictUtf8Decoder(path);
  return d.push(bytes) + d.end();
}
