import { SpsError } from '../shared/errors.js';
import type { ParentToWorker, TrainingEvent, WorkerToParent } from '../shared/training_events.js';
import { runTraining, type TrainerTestHooks } from '../engine/tuning/trainer.js';
import { runPaths } from '../engine/tuning/run_dir.js';
import { markRunEnded } from './run_state.js';
import { CommandControl } from './control.js';
import { parentPort } from './port.js';

/**
 * Fault injection for the crash-safety tests. The shipped entries (train_worker.ts,
 * sweep_worker.ts) pass none and read no environment for it; only test-owned entries do
 * (test/helpers/hooked_*_worker.ts).
 */
export type FaultHooks = (log: (m: string) => void) => TrainerTestHooks | undefined;

export interface TrainingWorkerOptions {
  hooks?: FaultHooks;
}

/**
 * The training process: receives one `start`, runs the trainer, relays its events, obeys
 * pause / resume / cancel. A failure becomes a `failed` event with the error and the log
 * path; the run directory keeps its last good checkpoint.
 */
export function serveTrainingWorker(opts: TrainingWorkerOptions = {}): void {
  const port = parentPort<ParentToWorker, WorkerToParent>();
  const control = new CommandControl();
  let started = false;

  const send = (event: TrainingEvent) => port.post({ type: 'event', event });
  const finish = (code: number): void => {
    port.post({ type: 'exit', code });
    // Let the IPC channel flush before leaving.
    setTimeout(() => process.exit(code), 50);
  };

  port.onMessage((msg) => {
    if (msg.type === 'command') {
      control.apply(msg.command);
      return;
    }
    if (started) return;
    started = true;
    const { runDir, resume, stopAtStep } = msg;
    const log = (m: string) => process.stderr.write(`[${new Date().toISOString()}] ${m}\n`);
    let lastStep = -1;
    const emit = (e: TrainingEvent) => {
      if (e.type === 'progress') lastStep = e.step;
      if (e.type === 'log' || e.type === 'checkpoint' || e.type === 'evaluation' || e.type === 'started' || e.type === 'skipped') log(JSON.stringify(e));
      send(e);
    };
    const hooks = opts.hooks?.(log);
    runTraining(runDir, { resume, emit, control, ...(hooks ? { hooks } : {}), ...(stopAtStep !== undefined ? { stopAtStep } : {}) })
      .then(() => finish(0))
      .catch((e: unknown) => {
        const err = e instanceof SpsError ? e : new SpsError('INTERNAL', e instanceof Error ? (e.stack ?? e.message) : String(e));
        log(`failed: ${err.message}`);
        try {
          markRunEnded(runDir, 'failed', err.message);
        } catch {
          // The run folder may be gone or read-only; the event still reaches the parent.
        }
        send({ type: 'failed', step: lastStep, error: err.toJSON(), logPath: runPaths(runDir).log });
        finish(1);
      });
  });
}
