import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TokenStore, tokenCacheFiles } from '../../../src/engine/data/token_cache.js';

/**
 * Past 4G tokens in tokens.bin the store's offsets no longer fit 4 bytes and it moves to 8
 * (TokenStore.setOffset). A sparse tokens.bin (no disk used) stands for the first 4G tokens: one
 * logged example of 2^32 - 2 one-byte tokens, then real examples appended after it.
 */
const root = mkdtempSync(join(tmpdir(), 'sps-offsets-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const BIG = 2 ** 32 - 2;

function sparseCacheWithOneHugeExample(dir: string): void {
  const files = tokenCacheFiles(dir);
  mkdirSync(dir, { recursive: true });
  const fd = openSync(files.tokens, 'w');
  ftruncateSync(fd, BIG);
  closeSync(fd);
  const rec = Buffer.alloc(12);
  rec.writeUInt32LE(0, 0); // example 0
  rec.writeUInt32LE(BIG, 4); // its length in tokens
  rec.writeUInt32LE(0, 8); // label start
  writeFileSync(files.log, rec);
}

describe('token cache offsets past 4G tokens', () => {
  it('appends and reads examples beyond the 4-byte offsets, and reopens them from the log', () => {
    const dir = join(root, 'entry');
    sparseCacheWithOneHugeExample(dir);
    const a = { ids: [5, 6, 7], labelStart: 1 };
    const b = { ids: [8, 9, 10, 11], labelStart: 2 };
    const c = { ids: [12], labelStart: 0 };
    const store = TokenStore.open(dir, 4, 1, { writable: true });
    expect(store.tokensOf(0)).toBe(BIG);
    store.append(1, a); // at offset 2^32 - 2: still fits 4 bytes
    store.append(2, b); // at 2^32 + 1: the store widens its offsets
    store.append(3, c);
    expect(store.read(1)).toEqual(a);
    expect(store.read(2)).toEqual(b);
    expect(store.read(3)).toEqual(c);
    expect(store.complete).toBe(true);
    store.close();
    expect(statSync(tokenCacheFiles(dir).tokens).size).toBe(BIG + 8);

    const reopened = TokenStore.open(dir, 4, 1, { writable: false });
    expect(reopened.read(1)).toEqual(a);
    expect(reopened.read(2)).toEqual(b);
    expect(reopened.read(3)).toEqual(c);
    expect(reopened.storedTokens).toBe(BIG + 8);
    reopened.close();
  });
});
