/**
 * App lifecycle: one instance at a time, and a quit that lets running jobs checkpoint.
 *
 * Quitting while a job runs asks the services to shut down (the workers write a checkpoint
 * and stop); after `timeoutMs` the app quits anyway. Runs that did not finish are shown with
 * their true state on the next start: the services read the run folders and mark interrupted
 * runs, which resume from their last checkpoint.
 */
import type { GateLogger } from './ipc_gate.js';
import { consoleLogger } from './ipc_gate.js';

export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 15_000;

interface PreventableEvent {
  preventDefault(): void;
}

export interface AppLike {
  on(event: 'before-quit', listener: (event: PreventableEvent) => void): unknown;
  quit(): void;
}

export interface QuitControl {
  /** Resolves once shutdown has finished (or timed out) and the app has been told to quit. */
  readonly done: Promise<void>;
  readonly state: () => 'running' | 'shutting-down' | 'done';
}

/**
 * Installs the before-quit handler. The first quit is held back while `shutdown()` runs (at most
 * `timeoutMs`); then the app quits for real. Further quit requests during shutdown are held too.
 */
export function installQuitHandler(opts: {
  app: AppLike;
  shutdown: () => Promise<void>;
  timeoutMs?: number;
  log?: GateLogger;
  setTimer?: (fn: () => void, ms: number) => { unref?: () => void } | number;
  clearTimer?: (t: unknown) => void;
}): QuitControl {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  const log = opts.log ?? consoleLogger;
  const setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = opts.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
  let state: 'running' | 'shutting-down' | 'done' = 'running';
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));

  opts.app.on('before-quit', (event) => {
    if (state === 'done') return;
    event.preventDefault();
    if (state === 'shutting-down') return;
    state = 'shutting-down';
    let timer: unknown;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimer(() => resolve('timeout'), timeoutMs);
    });
    const work = Promise.resolve()
      .then(() => opts.shutdown())
      .then(
        () => 'ok' as const,
        (err: unknown) => {
          log.error('shutting down the services failed', err);
          return 'failed' as const;
        },
      );
    void Promise.race([work, timeout]).then((outcome) => {
      clearTimer(timer);
      if (outcome === 'timeout') log.warn(`the services did not shut down within ${timeoutMs} ms; quitting anyway`);
      state = 'done';
      resolveDone();
      opts.app.quit();
    });
  });
  return { done, state: () => state };
}

/**
 * Takes the single-instance lock. The second instance quits at once; the first is told (to
 * focus its window).
 */
export function acquireSingleInstance(app: { requestSingleInstanceLock(): boolean; quit(): void; on(event: 'second-instance', listener: () => void): unknown }, onSecondInstance: () => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', () => onSecondInstance());
  return true;
}
