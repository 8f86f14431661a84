import { closeSync, existsSync, fstatSync, ftruncateSync, mkdirSync, openSync, readSync, renameSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { SpsError } from '../../shared/errors.js';
import type { TokenizedExample } from './example.js';

/**
 * The on-disk token cache of one dataset under one tokenizer, template and task (its key).
 * Files in `<root>/<key>/`:
 *   meta.json    what the cache holds (written once, when the example index is known)
 *   side.bin     per-example arrays of the index (label ids, byte spans of rows); see example_index
 *   tokens.bin   token ids, appended as examples are tokenized, in the narrowest unsigned
 *                integer type the vocabulary allows (1, 2 or 4 bytes, little-endian)
 *   tokens.log   one 12-byte record per tokenized example, appended AFTER its tokens:
 *                u32 example index, u32 token count, u32 label start
 * A record is only trusted when its tokens lie inside tokens.bin, so a crash mid-write loses
 * at most the examples not yet logged (they are tokenized again). Examples can be written in
 * any order (a run tokenizes in its data order); the in-memory index (16 bytes per example)
 * maps an example to its tokens, which are read from the file on demand.
 */

export const TOKEN_CACHE_VERSION = 2;
const LOG_RECORD = 12;
/** An example's offset while it is not tokenized (also the first offset that needs 8 bytes). */
const ABSENT = 0xffffffff;

export type TokenWidth = 1 | 2 | 4;

/** Bytes per token id for a vocabulary of `vocabSize` ids. */
export function tokenWidthFor(vocabSize: number): TokenWidth {
  return vocabSize <= 0x100 ? 1 : vocabSize <= 0x10000 ? 2 : 4;
}

export interface TokenCacheFiles {
  dir: string;
  meta: string;
  side: string;
  tokens: string;
  log: string;
  lock: string;
}

export function tokenCacheFiles(dir: string): TokenCacheFiles {
  return { dir, meta: join(dir, 'meta.json'), side: join(dir, 'side.bin'), tokens: join(dir, 'tokens.bin'), log: join(dir, 'tokens.log'), lock: join(dir, 'writer.lock') };
}

/**
 * The token part of a cache entry, open for reading and (for the one writer) appending.
 * `has(i)` / `read(i)` serve tokenized examples; `append` adds one.
 */
export class TokenStore {
  /**
   * Offset (in tokens) of each example in tokens.bin: 4 bytes per example (ABSENT while not
   * tokenized) while tokens.bin holds under 4G tokens (a 2 GB corpus holds ~1G), then 8 (-1).
   */
  private offset: Uint32Array | Float64Array;
  private readonly length: Uint32Array;
  private readonly labelStart: Uint32Array;
  private readonly fd: number;
  private endTokens: number;
  private logFd: number | undefined;
  private stored = 0;
  private totalTokens = 0;
  private readonly buf: Buffer;
  private logBytes = 0;

  private constructor(
    readonly files: TokenCacheFiles,
    readonly count: number,
    readonly width: TokenWidth,
    writable: boolean,
  ) {
    this.offset = new Uint32Array(count).fill(ABSENT);
    this.length = new Uint32Array(count);
    this.labelStart = new Uint32Array(count);
    this.buf = Buffer.allocUnsafe(64 * 1024);
    // Created empty if absent (append mode never truncates what a writer wrote meanwhile).
    for (const f of [files.tokens, files.log]) if (!existsSync(f)) closeSync(openSync(f, 'a'));
    this.fd = openSync(files.tokens, writable ? 'r+' : 'r');
    this.endTokens = 0;
    this.loadLog(writable);
    if (writable) this.logFd = openSync(files.log, 'a');
  }

  /** Opens the store of a cache entry for `count` examples (created empty if absent when writable). */
  static open(dir: string, count: number, width: TokenWidth, opts: { writable: boolean }): TokenStore {
    return new TokenStore(tokenCacheFiles(dir), count, width, opts.writable);
  }

  /** Reads tokens.log (in blocks: 12 bytes per example), trusting only records whose tokens are in tokens.bin (in log order). */
  private loadLog(writable: boolean): void {
    const fileTokens = Math.floor(fstatSync(this.fd).size / this.width);
    const logSize = fileSize(this.files.log);
    const records = Math.floor(logSize / LOG_RECORD);
    const block = Buffer.allocUnsafe(LOG_RECORD * 65536);
    const fd = openSync(this.files.log, 'r');
    let end = 0;
    let good = 0;
    try {
      reading: for (let first = 0; first < records; first += 65536) {
        const want = Math.min(65536, records - first) * LOG_RECORD;
        let got = 0;
        while (got < want) {
          const k = readSync(fd, block, got, want - got, first * LOG_RECORD + got);
          if (k === 0) break reading;
          got += k;
        }
        for (let o = 0; o < want; o += LOG_RECORD) {
          const i = block.readUInt32LE(o);
          const len = block.readUInt32LE(o + 4);
          const start = block.readUInt32LE(o + 8);
          if (i >= this.count || end + len > fileTokens || start > len) break reading;
          if (!this.has(i)) {
            this.stored++;
            this.totalTokens += len;
          }
          this.setOffset(i, end);
          this.length[i] = len;
          this.labelStart[i] = start;
          end += len;
          good++;
        }
      }
    } finally {
      closeSync(fd);
    }
    this.endTokens = end;
    this.logBytes = good * LOG_RECORD;
    if (writable) {
      // Drop what a crash left behind: tokens without a log record, a torn record.
      if (end * this.width !== fstatSync(this.fd).size) ftruncateSync(this.fd, end * this.width);
      if (good * LOG_RECORD !== logSize) {
        const fd = openSync(this.files.log, 'r+');
        try {
          ftruncateSync(fd, good * LOG_RECORD);
        } finally {
          closeSync(fd);
        }
      }
    }
  }

  /** A reader's catch-up with what another process's writer appended since. */
  refresh(): void {
    if (this.logFd !== undefined) return;
    const size = fileSize(this.files.log);
    const fileTokens = Math.floor(fstatSync(this.fd).size / this.width);
    const records = Math.floor((size - this.logBytes) / LOG_RECORD);
    if (records <= 0) return;
    const buf = Buffer.allocUnsafe(records * LOG_RECORD);
    const fd = openSync(this.files.log, 'r');
    try {
      readSync(fd, buf, 0, buf.length, this.logBytes);
    } finally {
      closeSync(fd);
    }
    for (let r = 0; r < records; r++) {
      const i = buf.readUInt32LE(r * LOG_RECORD);
      const len = buf.readUInt32LE(r * LOG_RECORD + 4);
      if (i >= this.count || this.endTokens + len > fileTokens) return;
      if (!this.has(i)) {
        this.stored++;
        this.totalTokens += len;
      }
      this.setOffset(i, this.endTokens);
      this.length[i] = len;
      this.labelStart[i] = buf.readUInt32LE(r * LOG_RECORD + 8);
      this.endTokens += len;
      this.logBytes += LOG_RECORD;
    }
  }

  /** Examples tokenized so far, and their tokens. */
  get storedCount(): number {
    return this.stored;
  }
  get storedTokens(): number {
    return this.totalTokens;
  }
  get complete(): boolean {
    return this.stored === this.count;
  }

  has(i: number): boolean {
    const off = this.offset[i]!;
    return this.offset instanceof Uint32Array ? off !== ABSENT : off >= 0;
  }

  /** Records example i's offset, moving to 8-byte offsets once one no longer fits 4 bytes. */
  private setOffset(i: number, off: number): void {
    if (off >= ABSENT && this.offset instanceof Uint32Array) {
      const wide = new Float64Array(this.count);
      for (let k = 0; k < this.count; k++) wide[k] = this.offset[k] === ABSENT ? -1 : this.offset[k]!;
      this.offset = wide;
    }
    this.offset[i] = off;
  }

  /** Token count of example i (0 if not tokenized yet). */
  tokensOf(i: number): number {
    return this.has(i) ? this.length[i]! : 0;
  }

  /** Example i as it was appended. */
  read(i: number): TokenizedExample {
    const off = this.offset[i]!;
    if (!this.has(i)) throw new SpsError('INTERNAL', `token cache: example ${i} is not tokenized yet`);
    const len = this.length[i]!;
    const bytes = len * this.width;
    const buf = bytes <= this.buf.length ? this.buf : Buffer.allocUnsafe(bytes);
    let got = 0;
    while (got < bytes) {
      const n = readSync(this.fd, buf, got, bytes - got, off * this.width + got);
      if (n === 0) throw new SpsError('INVALID_DATA', `token cache file ended early (example ${i})`, { location: { file: this.files.tokens }, hint: 'delete the cache folder; it is rebuilt on the next run' });
      got += n;
    }
    const ids = new Array<number>(len);
    if (this.width === 1) for (let k = 0; k < len; k++) ids[k] = buf[k]!;
    else if (this.width === 2) for (let k = 0; k < len; k++) ids[k] = buf.readUInt16LE(2 * k);
    else for (let k = 0; k < len; k++) ids[k] = buf.readUInt32LE(4 * k);
    return { ids, labelStart: this.labelStart[i]! };
  }

  /** Appends example i (tokens first, then its log record). Already stored: ignored. */
  append(i: number, ex: TokenizedExample): void {
    if (this.logFd === undefined) throw new SpsError('INTERNAL', 'token cache opened read-only');
    if (this.has(i)) return;
    const len = ex.ids.length;
    const data = Buffer.allocUnsafe(len * this.width);
    const max = this.width === 4 ? 0xffffffff : (1 << (8 * this.width)) - 1;
    for (let k = 0; k < len; k++) {
      const id = ex.ids[k]!;
      if (!(id >= 0 && id <= max)) throw new SpsError('INTERNAL', `token id ${id} does not fit the cache's ${this.width}-byte ids`);
      if (this.width === 1) data[k] = id;
      else if (this.width === 2) data.writeUInt16LE(id, 2 * k);
      else data.writeUInt32LE(id, 4 * k);
    }
    writeAll(this.fd, data, this.endTokens * this.width);
    const rec = Buffer.allocUnsafe(LOG_RECORD);
    rec.writeUInt32LE(i, 0);
    rec.writeUInt32LE(len, 4);
    rec.writeUInt32LE(ex.labelStart, 8);
    writeAll(this.logFd, rec, null);
    this.setOffset(i, this.endTokens);
    this.length[i] = len;
    this.labelStart[i] = ex.labelStart;
    this.endTokens += len;
    this.stored++;
    this.totalTokens += len;
  }

  close(): void {
    closeSync(this.fd);
    if (this.logFd !== undefined) closeSync(this.logFd);
    this.logFd = undefined;
  }
}

function writeAll(fd: number, data: Uint8Array, position: number | null): void {
  let done = 0;
  while (done < data.length) {
    done += writeSync(fd, data, done, data.length - done, position === null ? null : position + done);
  }
}

/** Marks an entry as used now (the size limit evicts the least recently used). */
export function touchEntry(dir: string): void {
  const now = new Date();
  try {
    utimesSync(join(dir, 'meta.json'), now, now);
  } catch {
    // Best effort: a read-only cache still works.
  }
}

/** Writes a small file atomically (temp + rename). */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
