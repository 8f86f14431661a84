import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { TaskSpec } from './dataset.js';
import type { ReadOptions } from './readers/types.js';
import { FILE_HASH_MEMO } from './file_hash_memo.js';
import { fileSize, TOKEN_CACHE_VERSION } from './token_cache.js';

/**
 * Where token caches live and what names them. One shared folder (not the run's), so that
 * `sps validate`, every run, resume, evaluation and the trials of a sweep on the same data
 * share one tokenization. Default: the platform's cache folder + soft-prompt-studio/tokens;
 * SPS_TOKEN_CACHE overrides it (the app's Settings pass theirs the same way). Entries are
 * evicted least-recently-used beyond a size limit (default 20 GB, SPS_TOKEN_CACHE_MAX_GB).
 */
export function tokenCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SPS_TOKEN_CACHE) return env.SPS_TOKEN_CACHE;
  const base =
    process.platform === 'win32'
      ? (env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'))
      : process.platform === 'darwin'
        ? join(homedir(), 'Library', 'Caches')
        : (env.XDG_CACHE_HOME ?? join(homedir(), '.cache'));
  return join(base, 'soft-prompt-studio', 'tokens');
}

export function tokenCacheMaxBytes(env: NodeJS.ProcessEnv = process.env): number {
  const gb = Number(env.SPS_TOKEN_CACHE_MAX_GB);
  return (Number.isFinite(gb) && gb > 0 ? gb : 20) * 1e9;
}

/** What the cache of a dataset depends on; any change gives another entry. */
export interface CacheKeyParts {
  /** SHA-256 and size of the data file. */
  file: { sha256: string; bytes: number };
  /** SHA-256 of tokenizer.json, tokenizer_config.json and chat_template.jinja (+ a variant such as the chat template wrapper). */
  tokenizer: string;
  task: TaskSpec;
  read: Pick<ReadOptions, 'format' | 'textMode' | 'chunkChars'>;
}

export function tokenizerFingerprint(modelDir: string): string {
  const h = createHash('sha256');
  for (const name of ['tokenizer.json', 'tokenizer_config.json', 'chat_template.jinja']) {
    const p = join(modelDir, name);
    h.update(name).update(existsSync(p) ? readFileSync(p) : Buffer.alloc(0));
  }
  return h.digest('hex');
}

/** Canonical JSON (sorted keys) so that equal settings always name the same entry. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function cacheKey(parts: CacheKeyParts): string {
  return createHash('sha256').update(`sps-token-cache-v${TOKEN_CACHE_VERSION}\n`).update(canonical(parts)).digest('hex').slice(0, 32);
}

/** The writer lock of an entry: one process tokenizes into it, others read what it wrote. */
export class WriterLock {
  private static held = new Set<string>();
  private constructor(private readonly path: string) {}

  /** Takes the lock, or returns undefined while a live process (or this one) holds it. A stale lock is taken over. */
  static tryTake(path: string): WriterLock | undefined {
    if (WriterLock.held.has(path)) return undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, `${process.pid}\n`);
        closeSync(fd);
        WriterLock.held.add(path);
        return new WriterLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const pid = Number(readFileSafe(path).trim());
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) return undefined;
        if (pid === process.pid) return undefined;
        try {
          unlinkSync(path); // stale: its process is gone
        } catch {
          // Someone else removed it first; try again.
        }
      }
    }
    return undefined;
  }

  release(): void {
    WriterLock.held.delete(this.path);
    try {
      unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface CacheEntryInfo {
  key: string;
  dir: string;
  bytes: number;
  lastUsed: number;
  /** Data file the entry was made from (from its meta.json). */
  file?: string;
}

/** The entries of a cache folder, least recently used first. */
export function listCacheEntries(root: string): CacheEntryInfo[] {
  if (!existsSync(root)) return [];
  const out: CacheEntryInfo[] = [];
  for (const e of readdirSync(root, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const dir = join(root, e.name);
    let bytes = 0;
    for (const f of readdirSync(dir)) bytes += fileSize(join(dir, f));
    const meta = join(dir, 'meta.json');
    let lastUsed = 0;
    let file: string | undefined;
    try {
      lastUsed = statSync(meta).mtimeMs;
      file = (JSON.parse(readFileSync(meta, 'utf8')) as { index?: { file?: string } }).index?.file;
    } catch {
      lastUsed = 0; // an entry without meta.json is an unfinished first pass: evict it first
    }
    out.push({ key: e.name, dir, bytes, lastUsed, ...(file ? { file } : {}) });
  }
  return out.sort((a, b) => a.lastUsed - b.lastUsed);
}

/**
 * Deletes least recently used entries until the folder fits `maxBytes`; entries with a live
 * writer and `keep` are never deleted. Returns the deleted folders.
 */
export function pruneTokenCache(root: string, maxBytes: number, keep?: string): string[] {
  const entries = listCacheEntries(root);
  let total = entries.reduce((a, e) => a + e.bytes, 0);
  const removed: string[] = [];
  for (const e of entries) {
    if (total <= maxBytes) break;
    if (e.dir === keep) continue;
    const lock = WriterLock.tryTake(join(e.dir, 'writer.lock'));
    if (!lock && existsSync(join(e.dir, 'writer.lock'))) continue;
    rmSync(e.dir, { recursive: true, force: true });
    lock?.release();
    total -= e.bytes;
    removed.push(e.dir);
  }
  return removed;
}

/** Where the token cache is, its size limit and what it holds (Settings, `sps cache info`). */
export interface TokenCacheInfo {
  dir: string;
  /** SPS_TOKEN_CACHE, or the platform's cache folder. */
  dirSource: 'env' | 'default';
  maxBytes: number;
  bytes: number;
  entries: number;
}

export function tokenCacheInfo(env: NodeJS.ProcessEnv = process.env): TokenCacheInfo {
  const dir = tokenCacheRoot(env);
  const entries = listCacheEntries(dir);
  return { dir, dirSource: env.SPS_TOKEN_CACHE ? 'env' : 'default', maxBytes: tokenCacheMaxBytes(env), bytes: entries.reduce((a, e) => a + e.bytes, 0), entries: entries.length };
}

/**
 * Deletes every entry without a live writer (Settings → "Clear token cache", `sps cache
 * clear`), and the remembered data file hashes. An entry a run is still tokenizing into is
 * kept (and counted in `kept`).
 */
export function clearTokenCache(root: string): { removed: number; bytes: number; kept: number } {
  let removed = 0;
  let bytes = 0;
  let kept = 0;
  for (const e of listCacheEntries(root)) {
    const lock = WriterLock.tryTake(join(e.dir, 'writer.lock'));
    if (!lock && existsSync(join(e.dir, 'writer.lock'))) {
      kept++;
      continue;
    }
    rmSync(e.dir, { recursive: true, force: true });
    lock?.release();
    removed++;
    bytes += e.bytes;
  }
  rmSync(join(root, FILE_HASH_MEMO), { force: true });
  return { removed, bytes, kept };
}
