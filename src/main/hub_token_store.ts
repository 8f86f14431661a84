import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { TokenStore } from '../services/hub_token.js';
import { SpsError } from '../shared/errors.js';

/** The parts of Electron's safeStorage the token store uses (injected, so tests pass their own). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/**
 * The Hugging Face token kept between sessions, encrypted with the operating system's
 * keychain through Electron's safeStorage (DPAPI, Keychain, libsecret/kwallet) in one file of
 * the data folder. Nothing is stored where no keychain is available: the user is told to use
 * HF_TOKEN instead, rather than getting a token saved in plain text.
 */
export function createSafeStorageTokenStore(safeStorage: SafeStorageLike, file: string, log: (message: string) => void = () => undefined): TokenStore {
  return {
    get: () => {
      if (!existsSync(file)) return undefined;
      try {
        return safeStorage.decryptString(readFileSync(file)) || undefined;
      } catch (err) {
        // A keychain that changed (another user, a reinstalled OS) cannot decrypt it: as if none.
        log(`cannot decrypt the stored Hugging Face token (${(err as Error).message}); store it again`);
        return undefined;
      }
    },
    set: (token) => {
      if (!safeStorage.isEncryptionAvailable()) {
        throw new SpsError('INVALID_ARGUMENT', 'this system offers no keychain to encrypt the token with, so it is not stored', { location: { field: 'token' }, hint: 'set the HF_TOKEN environment variable before starting the app instead' });
      }
      const tmp = `${file}.tmp`;
      writeFileSync(tmp, safeStorage.encryptString(token), { mode: 0o600 });
      renameSync(tmp, file);
    },
    clear: () => rmSync(file, { force: true }),
  };
}
