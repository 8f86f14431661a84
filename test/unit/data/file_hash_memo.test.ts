import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memoizedFileHash } from '../../../src/engine/data/file_hash_memo.js';
import { fileSha256 } from '../../../src/engine/tuning/fingerprint.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'sps-hash-memo-'));
  dirs.push(d);
  return d;
}
/** A clock a minute ahead: the file's ctime is then old enough to be remembered. */
const later = () => BigInt(Date.now() + 60_000) * 1_000_000n;

describe('memoizedFileHash (the data file hash, remembered while the file is unchanged)', () => {
  it('hashes once, then answers from the memo without reading the file', () => {
    const d = tmp();
    const file = join(d, 'data.jsonl');
    writeFileSync(file, '{"text":"a"}\n');
    let hashed = 0;
    const hash = (p: string) => (hashed++, fileSha256(p));
    const first = memoizedFileHash(file, join(d, 'cache'), hash, later);
    expect(first).toBe(fileSha256(file));
    expect(memoizedFileHash(file, join(d, 'cache'), hash, later)).toBe(first);
    expect(hashed).toBe(1);
    expect(readFileSync(join(d, 'cache', 'file-hashes.json'), 'utf8')).toContain(first);
  });

  it('a rewrite of the same size (new mtime/ctime) is hashed again and gives the new hash', async () => {
    const d = tmp();
    const file = join(d, 'data.jsonl');
    writeFileSync(file, '{"text":"a"}\n');
    const a = memoizedFileHash(file, join(d, 'cache'), fileSha256, later);
    await new Promise((r) => setTimeout(r, 20)); // a later timestamp tick
    writeFileSync(file, '{"text":"b"}\n');
    const b = memoizedFileHash(file, join(d, 'cache'), fileSha256, later);
    expect(b).not.toBe(a);
    expect(b).toBe(fileSha256(file));
  });

  it('a file changed within the last 2 s is not remembered (a write in the same tick could go unseen)', () => {
    const d = tmp();
    const file = join(d, 'data.jsonl');
    writeFileSync(file, '{"text":"a"}\n');
    let hashed = 0;
    const hash = (p: string) => (hashed++, fileSha256(p));
    memoizedFileHash(file, join(d, 'cache'), hash);
    memoizedFileHash(file, join(d, 'cache'), hash);
    expect(hashed).toBe(2);
  });
});
