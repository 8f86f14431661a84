import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SpsError } from '../../shared/errors.js';
import type { TextTokenizer } from '../models/tokenizer.js';
import { cacheKey, pruneTokenCache, tokenCacheMaxBytes, tokenizerFingerprint, WriterLock, type CacheKeyParts } from './cache_entry.js';
import type { TaskSpec } from './dataset.js';
import type { TokenizedExample } from './example.js';
import { readIndexArrays, writeIndexArrays, ExampleTexts, indexExamples, indexSummary, type ExampleIndex, type IndexSummary } from './example_index.js';
import type { ReadOptions } from './readers/types.js';
import { ensureDir, tokenCacheFiles, TokenStore, tokenWidthFor, touchEntry, writeFileAtomic, type TokenWidth } from './token_cache.js';
import { TokenizerPool } from './tokenizer_pool.js';

/**
 * A data file's examples for one task and tokenizer, tokenized once into the shared token
 * cache (token_cache.ts) and served from it by example number. Opening it runs (or loads from
 * the cache) the first pass (example_index.ts): exact counts, problems, labels. `fill` then
 * tokenizes the missing examples in worker threads, in the order given (a run gives its data
 * order, so its first steps can start while the rest is tokenized); `get` waits for an
 * example that is not tokenized yet. Memory: the index (~30 bytes per example), never the
 * examples themselves.
 */

export interface TokenizeProgress {
  file: string;
  done: number;
  total: number;
  tokens: number;
  tokensPerSecond: number;
  etaSeconds: number;
}

/** The variant of a tokenizer that is not the model folder's own: its chat-template wrapper. */
export function tokenizerVariantOf(tok: TextTokenizer): { tokenizerVariant?: string } {
  return 'chatTemplate' in tok ? { tokenizerVariant: 'chat-template' } : {};
}

export interface OpenOptions {
  file: string;
  task: TaskSpec;
  read?: Pick<ReadOptions, 'format' | 'textMode' | 'chunkChars' | 'maxLineChars' | 'maxJsonBytes'>;
  tokenizer: TextTokenizer;
  modelDir: string;
  /**
   * Set when `tokenizer` is not the model folder's own (a chat-template wrapper): part of the
   * cache key, and tokenization stays on this thread (the threads load the folder's tokenizer).
   */
  tokenizerVariant?: string;
  /** The file's SHA-256 and size when already known (job.json); computed otherwise. */
  fileFingerprint?: { sha256: string; bytes: number };
  cacheRoot: string;
  /** Also hash every example (duplicates, overlap: validation); the first pass runs again if the cached index has no hashes. */
  keys?: boolean;
  /** Progress of the first pass (bytes of the file read). */
  onReadProgress?: (bytesRead: number, totalBytes: number) => void;
}

/** Examples to tokenize first, in order: `map[items[k]]` (or `items[k]`) for each part. */
export interface FillPart {
  items: ArrayLike<number>;
  map?: ArrayLike<number>;
}
export type FillOrder = ArrayLike<number> | FillPart[];

interface MetaFile {
  version: 1;
  key: string;
  keyParts: CacheKeyParts;
  width: TokenWidth;
  index: IndexSummary;
}

const BATCH_EXAMPLES = 256;

export class TokenizedDataset {
  private readonly waiters = new Map<number, Array<{ resolve: () => void; reject: (e: Error) => void }>>();
  private failure: Error | undefined;
  private filling: Promise<void> | undefined;
  private stopped = false;
  private closed = false;
  private texts: ExampleTexts | undefined;

  private constructor(
    readonly index: ExampleIndex,
    readonly store: TokenStore,
    readonly dir: string,
    private lock: WriterLock | undefined,
    private readonly opts: OpenOptions,
  ) {}

  static async open(opts: OpenOptions): Promise<TokenizedDataset> {
    const fp = opts.fileFingerprint ?? (await import('../tuning/fingerprint.js')).datasetFingerprint(opts.file, opts.cacheRoot);
    const read = { ...(opts.read?.format ? { format: opts.read.format } : {}), ...(opts.read?.textMode ? { textMode: opts.read.textMode } : {}), ...(opts.read?.chunkChars ? { chunkChars: opts.read.chunkChars } : {}) };
    const tokenizer = tokenizerFingerprint(opts.modelDir) + (opts.tokenizerVariant ? `+${opts.tokenizerVariant}` : '');
    const keyParts: CacheKeyParts = { file: { sha256: fp.sha256, bytes: fp.bytes }, tokenizer, task: opts.task, read };
    const key = cacheKey(keyParts);
    const dir = join(opts.cacheRoot, key);
    const files = tokenCacheFiles(dir);
    ensureDir(dir);
    let lock = WriterLock.tryTake(files.lock);
    const width = tokenWidthFor(opts.tokenizer.vocabSize);
    let index: ExampleIndex | undefined;
    if (existsSync(files.meta) && existsSync(files.side)) {
      const meta = JSON.parse(readFileSync(files.meta, 'utf8')) as MetaFile;
      if (meta.version === 1 && meta.key === key && meta.width === width) index = readIndexArrays(relocated(meta.index, opts.file), files.side);
    }
    if (index === undefined || (!index.spans && !isComplete(dir, index.count, width)) || (opts.keys && !index.keys)) {
      // First pass (again, for formats whose texts are not re-read by position, or for hashes).
      const fresh = await indexExamples(opts.file, opts.task, { ...opts.read, ...(opts.onReadProgress ? { onProgress: opts.onReadProgress } : {}) }, { keys: opts.keys === true });
      if (index !== undefined && lock && fresh.count === index.count) {
        writeIndexArrays(files.side, fresh); // same examples, now with hashes
      } else if (index === undefined && lock) {
        // A new entry: whatever an interrupted earlier attempt left is not trusted.
        for (const f of [files.tokens, files.log]) rmSync(f, { force: true });
        writeIndexArrays(files.side, fresh);
        writeFileAtomic(files.meta, JSON.stringify({ version: 1, key, keyParts, width, index: indexSummary(fresh) } satisfies MetaFile, null, 1) + '\n');
      }
      index = fresh;
    } else opts.onReadProgress?.(fp.bytes, fp.bytes);
    const store = TokenStore.open(dir, index.count, width, { writable: lock !== undefined });
    if (store.complete && lock) {
      lock.release();
      lock = undefined;
    }
    touchEntry(dir);
    return new TokenizedDataset(index, store, dir, lock, opts);
  }

  get count(): number {
    return this.index.count;
  }
  get complete(): boolean {
    return this.store.complete;
  }

  /** Example i's tokens, waiting for them while they are being tokenized. */
  async get(i: number): Promise<TokenizedExample> {
    if (!(Number.isInteger(i) && i >= 0 && i < this.count)) throw new SpsError('INTERNAL', `example ${i} is outside 0..${this.count - 1}`);
    if (!this.store.has(i)) {
      if (this.failure) throw this.failure;
      if (!this.filling) this.fill([i]).catch(() => undefined); // the failure reaches the waiters
      await new Promise<void>((resolve, reject) => {
        const list = this.waiters.get(i) ?? [];
        list.push({ resolve, reject });
        this.waiters.set(i, list);
      });
    }
    return this.store.read(i);
  }

  /** Token count of example i (0 while not tokenized). */
  tokensOf(i: number): number {
    return this.store.tokensOf(i);
  }

  /**
   * Tokenizes every example not in the cache yet, `first` in the given order, then the rest in
   * file order; resolves when all are stored. Another process tokenizing the same entry is
   * followed instead (its results are read as they land).
   */
  fill(first: FillOrder = [], opts: { pool?: TokenizerPool; threads?: number; onProgress?: (p: TokenizeProgress) => void } = {}): Promise<void> {
    this.filling ??= this.produce(first, opts).catch((err: unknown) => {
      this.failure = err instanceof Error ? err : new Error(String(err));
      for (const list of this.waiters.values()) for (const w of list) w.reject(this.failure);
      this.waiters.clear();
      throw this.failure;
    });
    return this.filling;
  }

  private wake(i: number): void {
    const list = this.waiters.get(i);
    if (!list) return;
    this.waiters.delete(i);
    for (const w of list) w.resolve();
  }

  private async produce(first: FillOrder, opts: { pool?: TokenizerPool; threads?: number; onProgress?: (p: TokenizeProgress) => void }): Promise<void> {
    const start = performance.now();
    const startTokens = this.store.storedTokens;
    const report = (): void => {
      if (!opts.onProgress) return;
      const secs = (performance.now() - start) / 1000;
      const rate = (this.store.storedTokens - startTokens) / Math.max(1e-3, secs);
      const done = this.store.storedCount;
      const perExample = done > 0 ? this.store.storedTokens / done : 0;
      opts.onProgress({ file: this.opts.file, done, total: this.count, tokens: this.store.storedTokens, tokensPerSecond: rate, etaSeconds: rate > 0 ? ((this.count - done) * perExample) / rate : Infinity });
    };
    while (!this.store.complete && !this.lock) {
      // Another process writes this entry: read what it adds, take over if it goes away.
      await sleep(200);
      if (this.stopped) return;
      this.store.refresh();
      for (const i of this.waiters.keys()) if (this.store.has(i)) this.wake(i);
      report();
      if (!this.store.complete) this.lock = WriterLock.tryTake(tokenCacheFiles(this.dir).lock);
      if (this.lock) {
        // Reopen writable (the previous writer may have left a torn record).
        this.store.close();
        (this as { store: TokenStore }).store = TokenStore.open(this.dir, this.count, this.store.width, { writable: true });
      }
    }
    if (this.store.complete) {
      for (const i of [...this.waiters.keys()]) this.wake(i);
      this.finishEntry();
      report();
      return;
    }
    const threads = this.opts.tokenizerVariant ? 0 : opts.threads;
    const pool = opts.pool ?? TokenizerPool.create(this.opts.tokenizer, this.opts.modelDir, threads);
    this.texts ??= new ExampleTexts(this.index, this.opts.task);
    const texts = this.texts;
    const queued = new Uint8Array(this.count);
    const count = this.count;
    const plan = (function* (): Generator<number> {
      // Parts in order, each optionally through a map (example numbers without copying millions of them).
      const parts = Array.isArray(first) && first.length > 0 && typeof first[0] === 'object' ? (first as FillPart[]) : [{ items: first as ArrayLike<number> }];
      for (const part of parts) {
        const { items, map } = part;
        for (let k = 0; k < items.length; k++) yield map ? map[items[k]!]! : items[k]!;
      }
      for (let i = 0; i < count; i++) yield i;
    })();
    const inFlight = new Set<Promise<void>>();
    const maxInFlight = Math.max(2, pool.threads * 2);
    let lastReport = 0;
    try {
      for (;;) {
        if (this.stopped) break;
        // Examples someone waits for go first.
        const items: Array<{ index: number; input: string; output: string }> = [];
        for (const i of this.waiters.keys()) {
          if (items.length >= BATCH_EXAMPLES) break;
          if (!queued[i] && !this.store.has(i)) {
            queued[i] = 1;
            const ex = texts.example(i);
            items.push({ index: i, input: ex.input, output: ex.output });
          }
        }
        while (items.length < BATCH_EXAMPLES) {
          const n = plan.next();
          if (n.done) break;
          const i = n.value;
          if (queued[i] || this.store.has(i)) continue;
          queued[i] = 1;
          const ex = texts.example(i);
          items.push({ index: i, input: ex.input, output: ex.output });
        }
        if (items.length === 0) break;
        const job = pool.tokenize(items).then((b) => {
          let o = 0;
          for (let k = 0; k < b.indices.length; k++) {
            const len = b.lengths[k]!;
            const i = b.indices[k]!;
            this.store.append(i, { ids: Array.from(b.ids.subarray(o, o + len)), labelStart: b.labelStarts[k]! });
            o += len;
            this.wake(i);
          }
        });
        const tracked: Promise<void> = job.finally(() => inFlight.delete(tracked));
        inFlight.add(tracked);
        if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
        if (performance.now() - lastReport > 500) {
          lastReport = performance.now();
          report();
        }
      }
      await Promise.all(inFlight);
    } finally {
      if (!opts.pool) await pool.close();
    }
    if (this.store.complete) this.finishEntry();
    report();
  }

  /** The entry is complete: no more writer, and the cache folder is kept within its size limit. */
  private finishEntry(): void {
    this.lock?.release();
    this.lock = undefined;
    try {
      pruneTokenCache(this.opts.cacheRoot, tokenCacheMaxBytes(), this.dir);
    } catch {
      // Eviction is housekeeping; a failure must not fail the run.
    }
  }

  /** Stops tokenizing after the batches in flight (what is stored stays); `fill` then resolves. */
  stop(): void {
    this.stopped = true;
  }

  /** Stops tokenizing and releases the files (idempotent). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopped = true;
    await this.filling?.catch(() => undefined);
    this.texts?.close();
    this.store.close();
    this.lock?.release();
    this.lock = undefined;
  }
}

/**
 * The cache is keyed by the file's content, so a copy of the same file elsewhere reuses the
 * entry: its messages and problem locations must name the file given now, not the first one.
 */
function relocated(summary: IndexSummary, file: string): IndexSummary {
  if (summary.file === file) return summary;
  const escaped = (p: string): string => JSON.stringify(p).slice(1, -1);
  const json = JSON.stringify(summary).split(escaped(summary.file)).join(escaped(file));
  return { ...(JSON.parse(json) as IndexSummary), file };
}

function isComplete(dir: string, count: number, width: TokenWidth): boolean {
  const files = tokenCacheFiles(dir);
  if (!existsSync(files.tokens) || !existsSync(files.log)) return false;
  const s = TokenStore.open(dir, count, width, { writable: false });
  try {
    return s.complete;
  } finally {
    s.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
