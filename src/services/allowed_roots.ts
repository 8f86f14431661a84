import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiHandlers } from '../shared/api.js';
import { requestPaths } from '../shared/api_paths.js';
import type { ServiceContext } from './context.js';
import { PathPolicy, type AllowedRoot } from './path_policy.js';

/** The Hugging Face hub cache as huggingface_hub finds it: $HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/huggingface/hub. */
export function huggingFaceCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return resolve(env.HF_HUB_CACHE);
  if (env.HF_HOME) return join(resolve(env.HF_HOME), 'hub');
  return join(env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache'), 'huggingface', 'hub');
}

/** The app's bundled resources (sample datasets, the built-in model): read-only, shipped with the app. */
export function bundledResourcesDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // src/services under tsx, dist/src/services when built.
  return /[\\/]dist[\\/]src[\\/]services$/.test(here) ? join(here, '..', '..', '..', 'resources') : join(here, '..', '..', 'resources');
}

/** The app's own folders: data dir, runs dir, model library, bundled resources. */
export function appRoots(ctx: ServiceContext): AllowedRoot[] {
  const library = ctx.opts.libraryRoots ?? (() => [join(ctx.dataDir, 'models'), huggingFaceCacheDir()]);
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
export function webPathPolicy(ctx: ServiceContext): PathPolicy {
  return new PathPolicy(() => [...appRoots(ctx), ...(ctx.opts.allowDirs ?? []).map((dir) => ({ label: '--allow-dir', dir }))]);
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
