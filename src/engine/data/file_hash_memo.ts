import { readFileSync, statSync, type BigIntStats } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureDir, writeFileAtomic } from './token_cache.js';

/**
 * SHA-256 of data files, remembered between runs so that a second run (or `sps tune` after
 * `sps validate`) on an unchanged multi-GB file does not read it all again (2 GB ≈ 5–10 s).
 *
 * A remembered hash is used only while the file's identity and change times are exactly what
 * they were when it was hashed: device, inode, size, mtime and ctime, in nanoseconds. Why
 * that is safe: any write to the file moves its mtime and ctime; replacing it (editors, `cp`,
 * `mv` of another file) gives another inode or ctime; and ctime cannot be set back by users
 * (`touch -d` moves mtime, but sets ctime to now). A hash is only remembered when the file's
 * stat was the same before and after reading it (not written during the hashing) and its
 * ctime is more than 2 s older than the hashing (a write in the same timestamp tick right
 * after the hash could otherwise leave equal times: the "racy git" problem). What remains is
 * deliberately changing the system clock and rewriting raw blocks, which no editor does.
 * Stored in `<token cache>/file-hashes.json`, the newest MAX_ENTRIES files.
 */

const MAX_ENTRIES = 256;
const RACY_NS = 2_000_000_000n;

interface MemoEntry {
  id: string;
  sha256: string;
  usedAt: number;
}

function identity(path: string, st: BigIntStats): string {
  return [resolve(path), st.dev, st.ino, st.size, st.mtimeNs, st.ctimeNs].join('|');
}

/** The memo's file name in the token cache folder. */
export const FILE_HASH_MEMO = 'file-hashes.json';

function memoPath(dir: string): string {
  return join(dir, FILE_HASH_MEMO);
}

function load(dir: string): MemoEntry[] {
  try {
    const v = JSON.parse(readFileSync(memoPath(dir), 'utf8')) as unknown;
    return Array.isArray(v) ? (v as MemoEntry[]).filter((e) => typeof e?.id === 'string' && typeof e.sha256 === 'string') : [];
  } catch {
    return []; // absent or torn: hashes are taken again
  }
}

/** The file's SHA-256 from the memo in `dir` when it is unchanged since, else `hash(path)` (remembered when safe). */
export function memoizedFileHash(path: string, dir: string, hash: (path: string) => string, clock: () => bigint = () => BigInt(Date.now()) * 1_000_000n): string {
  const before = statSync(path, { bigint: true });
  const id = identity(path, before);
  const entries = load(dir);
  const hit = entries.find((e) => e.id === id);
  if (hit) return hit.sha256;
  const startNs = clock();
  const sha256 = hash(path);
  try {
    const after = statSync(path, { bigint: true });
    if (identity(path, after) === id && before.ctimeNs < startNs - RACY_NS) {
      const kept = entries.filter((e) => !e.id.startsWith(`${resolve(path)}|`));
      kept.push({ id, sha256, usedAt: Date.now() });
      kept.sort((a, b) => b.usedAt - a.usedAt);
      ensureDir(dir);
      writeFileAtomic(memoPath(dir), JSON.stringify(kept.slice(0, MAX_ENTRIES)));
    }
  } catch {
    // Remembering is an optimisation: a read-only cache folder hashes every time.
  }
  return sha256;
}
