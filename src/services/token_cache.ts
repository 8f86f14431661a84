import type { ApiHandlers, TokenCacheStatus } from '../shared/api.js';
import { clearTokenCache, tokenCacheInfo } from '../engine/data/cache_entry.js';
import type { ServiceContext } from './context.js';

type TokenCacheHandlers = Pick<ApiHandlers, 'system.tokenCache' | 'system.clearTokenCache'>;

/**
 * Settings → Token cache: where tokenized datasets are kept, how big the folder may grow, and
 * clearing it. The folder is the one the workers use: SPS_TOKEN_CACHE of their environment
 * (the services' own plus `workerEnv`), else the platform's cache folder.
 */
export function tokenCacheService(ctx: ServiceContext): TokenCacheHandlers {
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, ...ctx.opts.workerEnv });
  const status = (): TokenCacheStatus => ({ ...tokenCacheInfo(env()) });
  return {
    'system.tokenCache': async () => status(),
    'system.clearTokenCache': async () => {
      const r = clearTokenCache(status().dir);
      return { ...status(), removed: r.removed, freedBytes: r.bytes, kept: r.kept };
    },
  };
}
