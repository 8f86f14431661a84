import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createSafeStorageTokenStore, type SafeStorageLike } from '../../../src/main/hub_token_store.js';
import { useTempDir } from '../../helpers/fixtures.js';

/** Stands in for the OS keychain: a reversible scrambling with a header, like safeStorage's "v10" prefix. */
function fakeSafeStorage(available = true): SafeStorageLike & { encryptString: ReturnType<typeof vi.fn> } {
  return {
    isEncryptionAvailable: () => available,
    encryptString: vi.fn((s: string) => Buffer.concat([Buffer.from('v10'), Buffer.from(s).map((b) => b ^ 0x5a)])),
    decryptString: (b: Buffer) => {
      if (b.subarray(0, 3).toString() !== 'v10') throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(b.subarray(3)).map((x) => x ^ 0x5a).toString();
    },
  };
}

describe('the Hugging Face token store (Electron safeStorage)', () => {
  const dir = useTempDir('sps-token-');

  it('keeps the token encrypted in one private file, reads it back, and forgets it', () => {
    const file = join(dir(), 'hf-token.bin');
    const store = createSafeStorageTokenStore(fakeSafeStorage(), file);
    expect(store.get()).toBeUndefined();
    store.set('hf_secretToken123');
    expect(readFileSync(file).includes(Buffer.from('hf_secretToken123'))).toBe(false);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o077).toBe(0);
    expect(store.get()).toBe('hf_secretToken123');
    // A new store over the same file (the next session) reads it too.
    expect(createSafeStorageTokenStore(fakeSafeStorage(), file).get()).toBe('hf_secretToken123');
    store.clear();
    expect(existsSync(file)).toBe(false);
    expect(store.get()).toBeUndefined();
  });

  it('refuses to store without a keychain (never plain text), and says to use HF_TOKEN', () => {
    const safe = fakeSafeStorage(false);
    const file = join(dir(), 'hf-token.bin');
    expect(() => createSafeStorageTokenStore(safe, file).set('hf_secretToken123')).toThrow(/no keychain.*HF_TOKEN/);
    expect(safe.encryptString).not.toHaveBeenCalled();
    expect(existsSync(file)).toBe(false);
  });

  it('treats a token it cannot decrypt as none, and logs why', () => {
    const file = join(dir(), 'hf-token.bin');
    writeFileSync(file, 'garbage');
    const log = vi.fn();
    expect(createSafeStorageTokenStore(fakeSafeStorage(), file, log).get()).toBeUndefined();
    expect(log.mock.calls[0]?.[0]).toMatch(/cannot decrypt the stored Hugging Face token/);
  });
});
