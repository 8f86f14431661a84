import { appendFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { readSweepState, writeSweepState } from '../engine/sweep/sweep_dir.js';
import type { SweepEvent } from '../shared/sweep_state.js';
import type { SerializedError, TrainingCommand } from '../shared/training_events.js';
import { entryOverride, forkLauncher, type WorkerEntry, type WorkerLauncher } from './launcher.js';
import type { ParentToSweepWorker, SweepWorkerToParent } from './sweep_worker_main.js';

export interface SweepExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The sweep's last event ('sweep-finished' when it ended on its own). */
  last: SweepEvent | undefined;
  error?: SerializedError;
}

export interface SweepHandle {
  readonly pid: number | undefined;
  command(c: TrainingCommand): void;
  readonly done: Promise<SweepExit>;
  kill(signal?: NodeJS.Signals): void;
}

export function sweepWorkerEntry(): WorkerEntry {
  const override = entryOverride('sweep');
  if (override) return override;
  const here = fileURLToPath(import.meta.url);
  const ts = here.endsWith('.ts');
  return { path: join(here, '..', ts ? 'sweep_worker.ts' : 'sweep_worker.js'), execArgv: ts ? ['--import', 'tsx'] : [] };
}

/**
 * Runs a sweep in a worker process (all its trials, one after another) and relays its events.
 * A worker that dies without finishing leaves the sweep folder as it was; its state becomes
 * interrupted, and `sps sweep resume` (or reopening the app) continues it.
 */
export function startSweepWorker(dir: string, opts: { onEvent: (e: SweepEvent) => void; env?: NodeJS.ProcessEnv; launcher?: WorkerLauncher }): SweepHandle {
  const logPath = join(dir, 'sweep.log');
  const child = (opts.launcher ?? forkLauncher)(sweepWorkerEntry(), { ...process.env, ...opts.env });
  let logFailed = false;
  child.onOutput((chunk) => {
    if (logFailed || !existsSync(dir)) return;
    try {
      appendFileSync(logPath, chunk);
    } catch {
      // A full disk or a folder in the way must not take the API process down; the sweep's
      // own state still records how it ends.
      logFailed = true;
    }
  });
  let last: SweepEvent | undefined;
  let error: SerializedError | undefined;
  child.onMessage((raw) => {
    const m = raw as SweepWorkerToParent;
    if (m.type === 'event') {
      // 'sweep-finished' is the outcome: later events (data released at the end) do not replace it.
      if (last?.type !== 'sweep-finished') last = m.event;
      opts.onEvent(m.event);
    } else if (m.type === 'failed') error = m.error;
  });
  const done = new Promise<SweepExit>((resolve) => {
    child.onExit((code, signal) => {
      if (last?.type !== 'sweep-finished') {
        const reason = error?.message ?? (signal ? `the sweep worker was killed by ${signal}` : `the sweep worker exited with code ${code}`);
        try {
          const state = readSweepState(dir);
          writeSweepState(dir, { ...state, status: error ? 'failed' : 'interrupted', reason: `${reason}; \`sps sweep resume\` continues where it stopped` });
        } catch {
          // No readable state: nothing to mark; resume reports what is wrong with the folder.
        }
      }
      resolve({ code, signal, last, ...(error ? { error } : {}) });
    });
  });
  child.send({ type: 'start', dir } satisfies ParentToSweepWorker);
  return {
    pid: child.pid,
    command: (c) => child.send({ type: 'command', command: c } satisfies ParentToSweepWorker),
    done,
    kill: (signal = 'SIGTERM') => child.kill(signal),
  };
}
