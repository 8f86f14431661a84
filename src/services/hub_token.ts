import type { HubTokenStatus } from '../shared/api.js';
import { SpsError } from '../shared/errors.js';
import { checkToken } from '../engine/hub/hub_api.js';

/**
 * Where a Hugging Face token can be kept between sessions. The desktop app passes one backed
 * by Electron's safeStorage (src/main/hub_token_store.ts); web mode has none and reads the
 * environment only, so a token never travels over the network to the server.
 */
export interface TokenStore {
  get(): string | undefined;
  set(token: string): void;
  clear(): void;
}

/** The token downloads use: HF_TOKEN (or the older HUGGING_FACE_HUB_TOKEN) first, then the stored one. */
export function hubToken(env: NodeJS.ProcessEnv, store: TokenStore | undefined): { token?: string; source: HubTokenStatus['source'] } {
  const fromEnv = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN;
  if (fromEnv) return { token: fromEnv.trim(), source: 'env' };
  const stored = store?.get();
  return stored ? { token: stored, source: 'stored' } : { source: 'none' };
}

export function storeToken(store: TokenStore | undefined, token: string): void {
  if (!store) throw new SpsError('INVALID_ARGUMENT', 'this app cannot store a Hugging Face token in web mode', { location: { field: 'token' }, hint: 'set HF_TOKEN in the environment of `sps serve` and restart it' });
  store.set(checkToken(token));
}
