import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiHandlers } from '../shared/api.js';
import { requestPaths } from '../shared/api_paths.js';
import type { ServiceContext } from './context.js';
import { PathPolicy, type AllowedRoot } from './path_policy.js';

/** The app's bundled resources (sample datasets, the built-in model): read-only, shipped with the app. */
export function bundledResourcesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // src/services under tsx, dist/src/services when built.
  return /[\\/]dist[\\/]src[\\/]services$/.test(here) ? join(here, '..', '..', '..', 'resources') : join(here, '..', '..', 'resources');
}

/**
 * The app's own folders: data dir, runs dir, model library (built-in models, the download
 * folder, the Hugging Face cache, added folders: ModelLibrary.roots()), bundled resources.
 */
export function appRoots(ctx: ServiceContext, libraryRoots: () => string[]): AllowedRoot[] {
  const library = ctx.opts.libraryRoots ?? libraryRoots;
  const roots: AllowedRoot[] = [{ label: 'data dir', dir: ctx.dataDir }];
  try {
    roots.push({ label: 'runs dir', dir: ctx.runsDir });
  } catch {
    roots.push({ label: 'runs dir', dir: ctx.defaultRunsDir });
  }
  for (const dir of library()) roots.push({ label: 'model library', dir });
  roots.push({ label: 'bundled samples', dir: bundledResourcesDir() });
  return roots;
}

/** The folders of the models registered in models.json (added through a dialog, a drop or an allowed path). */
export function registeredModelFolders(ctx: ServiceContext): string[] {
  try {
    const index = JSON.parse(readFileSync(join(ctx.dataDir, 'models.json'), 'utf8')) as { models?: Array<{ path?: unknown }> };
    return (index.models ?? []).map((m) => m.path).filter((p): p is string => typeof p === 'string' && p !== '');
  } catch {
    return [];
  }
}

/** Web mode's allowed roots: the app's folders and the --allow-dir folders. */
export function webPathPolicy(ctx: ServiceContext, libraryRoots: () => string[]): PathPolicy {
  return new PathPolicy(() => [...appRoots(ctx, libraryRoots), ...(ctx.opts.allowDirs ?? []).map((dir) => ({ label: '--allow-dir', dir }))]);
}

/**
 * Every handler behind the policy: each path its request reads is checked before it runs.
 * Writes have narrower rules of their own: exports go to the run's exports/ folder
 * (exports.ts) and the runs dir cannot be changed from a web client (system.ts).
 */
export function withPathPolicy(handlers: ApiHandlers, policy: PathPolicy): ApiHandlers {
  const guarded: Record<string, (req: unknown) => Promise<unknown>> = {};
  for (const [method, handler] of Object.entries(handlers) as Array<[string, (req: unknown) => Promise<unknown>]>) {
    guarded[method] = async (req) => {
      for (const p of requestPaths(method, req)) if (p.use === 'read') policy.check(p.path, p.field);
      return handler(req);
    };
  }
  return guarded as unknown as ApiHandlers;
}
