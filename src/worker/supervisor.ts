import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ParentToWorker, TrainingCommand, TrainingEvent, WorkerToParent } from '../shared/training_events.js';
import { forkLauncher, trainWorkerEntry, type WorkerLauncher } from './launcher.js';
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

/**
 * Runs a training run in a child process and relays its events. A worker that dies without
 * reporting (crash, out of memory, SIGKILL) leaves the run directory intact; its state is set
 * to failed with the exit reason, and `sps resume` continues from the last good checkpoint.
 */
export function startTrainingWorker(
  runDir: string,
  opts: { resume: boolean; onEvent: (e: TrainingEvent) => void; env?: NodeJS.ProcessEnv; launcher?: WorkerLauncher; stopAtStep?: number },
): TrainingHandle {
  const logPath = join(runDir, 'worker.log');
  const child = (opts.launcher ?? forkLauncher)(trainWorkerEntry(), { ...process.env, ...opts.env });
  child.onOutput((chunk) => {
    if (existsSync(runDir)) appendFileSync(logPath, chunk);
  });
  let last: TrainingEvent | undefined;
  child.onMessage((raw) => {
    const m = raw as WorkerToParent;
    if (m.type === 'event') {
      last = m.event;
      opts.onEvent(m.event);
    }
  });
  const done = new Promise<WorkerExit>((resolve) => {
    child.onExit((code, signal) => {
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
  const start: ParentToWorker = { type: 'start', runDir, resume: opts.resume, ...(opts.stopAtStep !== undefined ? { stopAtStep: opts.stopAtStep } : {}) };
  child.send(start);
  return {
    pid: child.pid,
    command: (c) => child.send({ type: 'command', command: c } satisfies ParentToWorker),
    done,
    kill: (signal = 'SIGTERM') => child.kill(signal),
  };
}
