import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { withWorkerMallocTunables } from './malloc_tunables.js';

/**
 * A started worker process as the supervisor sees it. The CLI and the web server start Node
 * child processes; the desktop app starts an Electron utilityProcess (src/main), with the
 * same shape.
 */
export interface WorkerProcess {
  readonly pid: number | undefined;
  send(message: unknown): void;
  onMessage(handler: (message: unknown) => void): void;
  /** Output lines (stdout and stderr) for the run's log. */
  onOutput(handler: (chunk: Buffer) => void): void;
  onExit(handler: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  kill(signal?: NodeJS.Signals): void;
}

export type WorkerLauncher = (entry: WorkerEntry, env: NodeJS.ProcessEnv) => WorkerProcess;

export interface WorkerEntry {
  /** Absolute path of the worker script. */
  path: string;
  /** Node flags for it (the tsx loader when running from TypeScript sources). */
  execArgv: string[];
  /** What the process is called in the OS's process list (Electron's serviceName). */
  name?: string;
}

/** A worker script under src/worker: .ts under tsx (development, tests), .js when built. */
function workerEntry(relative: string, name: string): WorkerEntry {
  const here = fileURLToPath(import.meta.url);
  const ts = here.endsWith('.ts');
  return { path: join(here, '..', ...relative.split('/')) + (ts ? '.ts' : '.js'), execArgv: ts ? ['--import', 'tsx'] : [], name };
}

const overrides: Partial<Record<'train' | 'sweep', WorkerEntry>> = {};

/**
 * Tests only: start `entry` instead of the shipped worker of this kind. The seam the crash
 * tests' own CLI wrapper (test/helpers/hooked_sps.ts) uses to inject faults; the shipped
 * workers never read fault injection from their environment.
 */
export function overrideWorkerEntry(kind: 'train' | 'sweep', entry: WorkerEntry): void {
  overrides[kind] = entry;
}

export function entryOverride(kind: 'train' | 'sweep'): WorkerEntry | undefined {
  return overrides[kind];
}

export function trainWorkerEntry(): WorkerEntry {
  if (overrides.train) return overrides.train;
  return workerEntry('train_worker', 'Soft Prompt Studio training');
}

export function inferenceWorkerEntry(): WorkerEntry {
  return workerEntry('inference/inference_worker', 'Soft Prompt Studio inference');
}

/** Starts the worker as a Node child process with an IPC channel (glibc's malloc tuned for it: malloc_tunables.ts). */
export const forkLauncher: WorkerLauncher = (entry, env) => {
  const child = fork(entry.path, [], { execArgv: entry.execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: withWorkerMallocTunables(env) });
  return {
    pid: child.pid,
    send: (m) => {
      if (child.connected) child.send(m as never);
    },
    onMessage: (h) => child.on('message', h),
    onOutput: (h) => {
      child.stdout?.on('data', h);
      child.stderr?.on('data', h);
    },
    onExit: (h) => child.on('exit', h),
    kill: (signal = 'SIGTERM') => child.kill(signal),
  };
};
