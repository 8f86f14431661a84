import { mkdirSync } from 'node:fs';
import type { ApiHandlers } from '../shared/api.js';
import { appRoots, registeredModelFolders, webPathPolicy, withPathPolicy } from './allowed_roots.js';
import { ServiceContext, type ServicesOptions } from './context.js';
import { datasetsService } from './datasets.js';
import { exportsService } from './exports.js';
import { inferenceService } from './inference.js';
import { jobsService } from './jobs/index.js';
import { modelsService } from './models.js';
import { sweepsService } from './sweeps.js';
import { systemService } from './system.js';
import { tokenCacheService } from './token_cache.js';
import { uploadsService } from './uploads.js';

export type { Emit, ServicesOptions } from './context.js';
export { dispatch, serializeError, invalidRequestError } from './dispatch.js';

export interface Services {
  handlers: ApiHandlers;
  /** Cancels running jobs (they checkpoint), waits up to shutdownTimeoutMs, kills the rest; releases inference sessions. */
  shutdown(): Promise<void>;
  /** The worker process of a running job (diagnostics and tests). */
  workerPid(id: string): number | undefined;
  /** The warm inference workers' process ids by model folder ('' for the general one). */
  inferencePids(): Map<string, number | undefined>;
  /** Runs marked interrupted when the services started (left running by an earlier session). */
  interrupted: string[];
  /** Folders any request may name: the app's own and the registered models' (the desktop gate's standing grants). */
  standingRoots(): string[];
  /** The folders the model library reads: built-in models, the download folder, the hub cache, added folders. */
  libraryRoots(): string[];
}

/**
 * The API implemented over the engine, for both the Electron main process (IPC) and the web
 * server (WebSocket). No Electron here: the desktop app passes its utilityProcess launcher.
 */
export function createServices(opts: ServicesOptions): Services {
  const ctx = new ServiceContext(opts);
  mkdirSync(ctx.dataDir, { recursive: true });
  const jobs = jobsService(ctx);
  // Every namespace resolves and checks run ids the same way (pattern, existence).
  const resolveRun = (id: string): string => jobs.resolve(id);
  const inference = inferenceService(ctx, resolveRun);
  const sweeps = sweepsService(ctx, (id, dir) => jobs.adopt(id, dir));
  const models = modelsService(ctx);
  const libraryRoots = () => models.library.roots();
  let interrupted: string[] = [];
  try {
    interrupted = jobs.markInterrupted();
    sweeps.markInterrupted();
  } catch {
    // An unreadable settings file: jobs.list reports it on first use.
  }
  const all: ApiHandlers = {
    ...systemService(ctx),
    ...tokenCacheService(ctx),
    ...models.handlers,
    ...datasetsService(ctx),
    ...uploadsService(ctx),
    ...jobs.handlers,
    ...sweeps.handlers,
    ...inference.handlers,
    ...exportsService(ctx, resolveRun),
  };
  // Web mode: a request may only name paths under the allowed roots. The desktop app's paths
  // come from its dialogs and drops, which main checks (main/path_grants.ts).
  const handlers = opts.mode === 'web' ? withPathPolicy(all, webPathPolicy(ctx, libraryRoots)) : all;
  let closed: Promise<void> | undefined;
  return {
    standingRoots: () => [...appRoots(ctx, libraryRoots).map((r) => r.dir), ...registeredModelFolders(ctx)],
    libraryRoots,
    handlers,
    interrupted,
    workerPid: (id) => jobs.activePid(id),
    inferencePids: () => ctx.inference.pids(),
    shutdown: () =>
      (closed ??= (async () => {
        await inference.shutdown();
        await Promise.all([jobs.shutdown(opts.shutdownTimeoutMs ?? 10_000), sweeps.shutdown(opts.shutdownTimeoutMs ?? 10_000), ctx.inference.shutdown(), models.pulls.shutdown()]);
      })()),
  };
}
