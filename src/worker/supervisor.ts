import { fork, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParentToWorker, TrainingCommand, TrainingEvent, WorkerToParent } from '../shared/training_events.js';
import { markRunEnded } from './run_state.js';

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last event the worker sent: 'finished' or 'failed' when it ended on its own. */
  last: TrainingEvent | undefined;
}

export interface TrainingHandle {
  readonly pid: number | undefined;
  command(c: TrainingCommand): void;
  readonly done: Promise<WorkerExit>;
  kill(signal?: NodeJS.Signals): void;
}

/** The worker entry next to this file: .ts under tsx (development, tests), .js when built. */
function workerEntry(): { path: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const ts = here.endsWith('.ts');
  const path = join(here, '..', ts ? 'train_worker.ts' : 'train_worker.js');
  return { path, execArgv: ts ? ['--import', 'tsx'] : [] };
}

/**
 * Runs a training run in a child process and relays its events. A worker that dies without
 * reporting (crash, out of memory, SIGKILL) leaves the run directory intact; its state is set
 * to failed with the exit reason, and `sps resume` continues from the last good checkpoint.
 */
export function startTrainingWorker(runDir: string, opts: { resume: boolean; onEvent: (e: TrainingEvent) => void; env?: NodeJS.ProcessEnv }): TrainingHandle {
  const { path, execArgv } = workerEntry();
  const logPath = join(runDir, 'worker.log');
  const child: ChildProcess = fork(path, [], { execArgv, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env: { ...process.env, ...opts.env } });
  const log = (chunk: Buffer) => {
    if (existsSync(runDir)) appendFileSync(logPath, chunk);
  };
  child.stdout?.on('data', log);
  child.stderr?.on('data', log);
  let last: TrainingEvent | undefined;
  child.on('message', (m: WorkerToParent) => {
    if (m.type === 'event') {
      last = m.event;
      opts.onEvent(m.event);
    }
  });
  const done = new Promise<WorkerExit>((resolve) => {
    child.on('exit', (code, signal) => {
      const ended = last?.type === 'finished' || last?.type === 'failed';
      if (!ended) {
        const reason = signal ? `the training worker was killed by ${signal}` : `the training worker exited with code ${code}`;
        markRunEnded(runDir, 'failed', `${reason}; resume continues from the last checkpoint`);
        const ev: TrainingEvent = { type: 'failed', step: -1, error: { code: 'WORKER_CRASHED', message: reason, hint: `see ${logPath}; \`sps resume ${runDir}\` continues from the last checkpoint` }, logPath };
        last = ev;
        opts.onEvent(ev);
      }
      resolve({ code, signal, last });
    });
  });
  const start: ParentToWorker = { type: 'start', runDir, resume: opts.resume };
  child.send(start);
  return {
    pid: child.pid,
    command: (c) => {
      if (child.connected) child.send({ type: 'command', command: c } satisfies ParentToWorker);
    },
    done,
    kill: (signal = 'SIGTERM') => child.kill(signal),
  };
}
