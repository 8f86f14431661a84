import type { ApiHandlers, HubTokenStatus } from '../shared/api.js';
import { CATALOGUE } from '../engine/hub/catalogue.js';
import { hubEndpoint } from '../engine/hub/hub_api.js';
import type { ServiceContext } from './context.js';
import { hubToken, storeToken } from './hub_token.js';
import { ModelLibrary } from './model_library.js';
import { PullManager } from './pulls.js';


type ModelHandlers = Pick<
  ApiHandlers,
  'models.list' | 'models.add' | 'models.inspect' | 'models.remove' | 'models.catalogue' | 'models.pull' | 'models.cancelPull' | 'models.pulls' | 'models.hubToken' | 'models.setHubToken' | 'models.clearHubToken'
>;

export interface ModelsService {
  handlers: ModelHandlers;
  library: ModelLibrary;
  pulls: PullManager;
}

export function modelsService(ctx: ServiceContext): ModelsService {
  const env = ctx.opts.env ?? process.env;
  const library = new ModelLibrary({
    dataDir: ctx.dataDir,
    ...(ctx.opts.hfCacheDir ? { hfCacheDir: ctx.opts.hfCacheDir } : {}),
    ...(ctx.opts.downloadDir ? { downloadDir: ctx.opts.downloadDir } : {}),
    ...(ctx.opts.builtinDirs ? { builtinDirs: ctx.opts.builtinDirs } : {}),
  });
  const tokenStore = ctx.opts.tokenStore;
  const pulls = new PullManager({ library, emit: ctx.emit, token: () => hubToken(env, tokenStore).token, env, ...(ctx.opts.hubFetch ? { fetch: ctx.opts.hubFetch } : {}), ...(ctx.opts.hubRetry ? { retry: ctx.opts.hubRetry } : {}) });
  const tokenStatus = (): HubTokenStatus => ({ source: hubToken(env, tokenStore).source, canStore: tokenStore !== undefined, endpoint: hubEndpoint(env), cacheDir: library.downloadDir });
  const handlers: ModelHandlers = {
    'models.list': async () => library.list(),
    'models.inspect': async ({ path }) => library.inspect(path),
    'models.add': async ({ path }) => {
      const entry = library.add(path);
      // Re-adding a folder refreshes it (it may have been fixed since): a warm worker that had it open opens it again.
      ctx.inference.forget(ctx.modelKey(entry.path));
      return entry;
    },
    'models.remove': async ({ id, deleteFiles }) => library.remove(id, deleteFiles ?? false),
    'models.catalogue': async () => {
      const cached = new Set(library.snapshots().map((s) => s.repoId));
      return CATALOGUE.map((m) => ({ ...m, downloaded: cached.has(m.repoId) }));
    },
    'models.pull': async ({ repoId, revision }) => pulls.start(repoId, revision),
    'models.cancelPull': async ({ pullId }) => pulls.cancel(pullId),
    'models.pulls': async () => pulls.list(),
    'models.hubToken': async () => tokenStatus(),
    'models.setHubToken': async ({ token }) => {
      storeToken(tokenStore, token);
      return tokenStatus();
    },
    'models.clearHubToken': async () => {
      tokenStore?.clear();
      return tokenStatus();
    },
  };
  return { handlers, library, pulls };
}
