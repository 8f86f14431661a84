import { appendFileSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ParentToWorker, TrainingCommand, TrainingEvent, WorkerToParent } from '../shared/training_events.js';
import { forkLauncher, trainWorkerEntry, type WorkerEntry, type WorkerLauncher } from './launcher.js';
import { acquireRunLock } from './run_lock.js';
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

export interface TrainingWorkerOptions {
  resume: boolean;
  onEvent: (e: TrainingEvent) => void;
  env?: NodeJS.ProcessEnv;
  launcher?: WorkerLauncher;
  /** Who drives the worker, named to a second process the run lock refuses (default: this command line). */
  holder?: string;
  /** The worker script (default: the shipped train_worker; tests pass one with fault injection). */
  entry?: WorkerEntry;
  /** Stop (checkpointed, resumable) after this step (sweeps' successive halving). */
  stopAtStep?: number;
  /** Appends to worker.log (a seam for the disk-full tests; default appendFileSync). */
  appendLog?: (path: string, chunk: Buffer) => void;
}

function thisCommand(): string {
  const script = process.argv[1] ? basename(process.argv[1]).replace(/\.[cm]?[jt]s$/, '') : 'node';
  return [script === 'sps' || script === 'main' ? 'sps' : script, process.argv[2]].filter(Boolean).join(' ');
}

/**
 * Runs a training run in a child process and relays its events. The run folder is locked while
 * the worker runs (run_lock.ts): a second process is refused before anything starts. A worker
 * that dies without reporting (crash, out of memory, SIGKILL) leaves the run directory intact;
 * its state is set to failed with the exit reason, and `sps resume` continues from the last good
 * checkpoint. A failed write of worker.log or of the run state (disk full, a directory in the
 * way) never throws out of here: the run is stopped and reported failed with the reason.
 */
export function startTrainingWorker(runDir: string, opts: TrainingWorkerOptions): TrainingHandle {
  const logPath = join(runDir, 'worker.log');
  const lock = acquireRunLock(runDir, opts.holder ?? thisCommand());
  let child;
  try {
    child = (opts.launcher ?? forkLauncher)(opts.entry ?? trainWorkerEntry(), { ...process.env, ...opts.env });
  } catch (err) {
    lock.release();
    throw err;
  }
  lock.setWorkerPid(child.pid);
  const appendLog = opts.appendLog ?? ((path: string, chunk: Buffer) => appendFileSync(path, chunk));
  /** Why the log could not be written: the run is stopped and fails with this. */
  let logFailure: string | undefined;
  child.onOutput((chunk) => {
    if (logFailure !== undefined || !existsSync(runDir)) return;
    try {
      appendLog(logPath, chunk);
    } catch (err) {
      logFailure = `cannot write ${logPath}: ${(err as Error).message}`;
      // Stop training: a run whose log cannot be kept is not one to trust (and the disk is likely full).
      child.send({ type: 'command', command: { type: 'cancel' } } satisfies ParentToWorker);
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }
  });
  let last: TrainingEvent | undefined;
  const relay = (e: TrainingEvent) => {
    try {
      opts.onEvent(e);
    } catch {
      // A listener's failure must not stop the relay (or take the process down).
    }
  };
  child.onMessage((raw) => {
    const m = raw as WorkerToParent;
    if (m.type === 'event') {
      // The outcome is the first 'finished' or 'failed': events after it (the background
      // tokenizer's last progress while the data is closed) are relayed but do not replace it.
      if (!isOutcome(last)) last = m.event;
      relay(m.event);
    }
  });
  const done = new Promise<WorkerExit>((resolve) => {
    child.onExit((code, signal) => {
      const ended = isOutcome(last);
      if (logFailure !== undefined || !ended) {
        const reason = logFailure ?? (signal ? `the training worker was killed by ${signal}` : `the training worker exited with code ${code}`);
        try {
          markRunEnded(runDir, 'failed', `${reason}; resume continues from the last checkpoint`);
        } catch {
          // The state file cannot be written either (disk full, a folder in the way): the event below still says why.
        }
        const ev: TrainingEvent = {
          type: 'failed',
          step: -1,
          error: logFailure !== undefined
            ? { code: 'LOG_WRITE_FAILED', message: logFailure, hint: `free disk space or fix ${logPath}; \`sps resume ${runDir}\` continues from the last checkpoint` }
            : { code: 'WORKER_CRASHED', message: reason, hint: `see ${logPath}; \`sps resume ${runDir}\` continues from the last checkpoint` },
          logPath,
        };
        last = ev;
        relay(ev);
      }
      lock.release();
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

function isOutcome(e: TrainingEvent | undefined): boolean {
  return e?.type === 'finished' || e?.type === 'failed';
}
