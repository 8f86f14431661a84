import { join, resolve } from 'node:path';
import type { ApiEvents, EventName, Settings } from '../shared/api.js';
import { SpsError } from '../shared/errors.js';
import { InferencePool, type InferencePoolOptions } from '../worker/inference/pool.js';
import type { WorkerLauncher } from '../worker/launcher.js';
import type { RetryPolicy } from '../engine/hub/retry.js';
import type { TokenStore } from './hub_token.js';
import { JsonStore } from './store.js';

export type Emit = <E extends EventName>(event: E, payload: ApiEvents[E]) => void;

export interface ServicesOptions {
  /** Where settings.json and models.json live (created when missing). */
  dataDir: string;
  /** Default runs folder (settings.runsDir overrides it once set); default DATA/runs. */
  runsDir?: string;
  /** How training and inference workers start: Electron passes a utilityProcess launcher; default: Node child processes. */
  launcher?: WorkerLauncher;
  /** Idle timeout and limits of the warm inference workers (defaults in InferencePool). */
  inference?: Pick<InferencePoolOptions, 'idleMs' | 'maxWorkers' | 'memoryBudgetBytes' | 'freeMemory'>;
  mode: 'desktop' | 'web';
  /** Pushes an event to the renderer(s). */
  emit: Emit;
  /** Environment for training workers (added to process.env). */
  workerEnv?: NodeJS.ProcessEnv;
  /** How long shutdown waits for running workers to checkpoint after cancel (default 10 s). */
  shutdownTimeoutMs?: number;
  /** The Hugging Face hub cache to list (default HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub). */
  hfCacheDir?: string;
  /** Where models.pull downloads to, in the cache layout (default: the hub cache, shared with Python tools). */
  downloadDir?: string;
  /** The built-in model folders (default: those shipped in resources/models). */
  builtinDirs?: string[];
  /** Keeps a Hugging Face token between sessions (desktop: Electron safeStorage); none in web mode. */
  tokenStore?: TokenStore;
  /** Environment read for HF_TOKEN / HF_ENDPOINT / HF_HUB_CACHE (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Tests: the fetch and retry policy Hub downloads use. */
  hubFetch?: typeof fetch;
  hubRetry?: RetryPolicy;
  /** Generations streaming or waiting at once (default 8); more are refused with TOO_MANY_REQUESTS. */
  maxGenerations?: number;
  /** Web mode: folders the API may read besides its own (`sps serve --allow-dir`). */
  allowDirs?: string[];
  /**
   * Web mode: the model library's folders (the library and the Hugging Face cache). A seam for
   * the model library; default: DATA/models and the Hugging Face hub cache.
   */
  libraryRoots?: () => string[];
}

const THEMES = ['light', 'dark', 'system'];

/**
 * What every namespace shares: paths, stores, the event sink, and the inference workers
 * (everything that opens a model, runs a session or reads weights runs there, never here).
 */
export class ServiceContext {
  readonly dataDir: string;
  readonly settings: JsonStore<Partial<Settings>>;
  readonly emit: Emit;
  readonly inference: InferencePool;

  constructor(readonly opts: ServicesOptions) {
    this.dataDir = resolve(opts.dataDir);
    this.emit = opts.emit;
    this.inference = new InferencePool({
      ...opts.inference,
      ...(opts.launcher ? { launcher: opts.launcher } : {}),
      ...(opts.workerEnv ? { env: opts.workerEnv } : {}),
    });
    this.settings = new JsonStore<Partial<Settings>>(join(this.dataDir, 'settings.json'), 'settings', () => ({}), (v) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'expected a JSON object';
      const s = v as Record<string, unknown>;
      if (s.runsDir !== undefined && (typeof s.runsDir !== 'string' || s.runsDir === '')) return '"runsDir" must be a folder path';
      if (s.theme !== undefined && !THEMES.includes(s.theme as string)) return '"theme" must be light, dark or system';
      return undefined;
    });
  }

  get defaultRunsDir(): string {
    return resolve(this.opts.runsDir ?? join(this.dataDir, 'runs'));
  }

  currentSettings(): Settings {
    const s = this.settings.read();
    return { runsDir: resolve(s.runsDir ?? this.defaultRunsDir), theme: s.theme ?? 'system' };
  }

  get runsDir(): string {
    return this.currentSettings().runsDir;
  }

  /** The inference worker that serves a model folder (its resolved path is the key). */
  modelKey(path: string): string {
    return resolve(path);
  }
}

export function notFound(what: string, id: string, hint?: string): SpsError {
  return new SpsError('FILE_NOT_FOUND', `no ${what} "${id}"`, { location: { field: 'id' }, ...(hint ? { hint } : {}) });
}
