import { appendFileSync } from 'node:fs';
import { SpsError } from '../../shared/errors.js';
import type { TrainingEvent } from '../../shared/training_events.js';
import type { TrainerTestHooks, TrainingControl } from '../tuning/trainer.js';
import { runTraining } from '../tuning/trainer.js';
import { readState, runPaths, writeStateAtomic } from '../tuning/run_dir.js';
import { ResourceCache } from '../tuning/trainer_resources.js';
import type { SegmentOutcome, TrialExecutor } from './driver.js';

/**
 * Runs trial segments in this process, one after another, sharing one ResourceCache: the
 * model loads once, the data is tokenized once and sessions are built once per prompt
 * length, so a short first rung costs its steps rather than a process start and a model load.
 * Used inside the sweep worker process (never on a UI thread: session.run() blocks).
 */
export function inProcessExecutor(control: TrainingControl, hooks?: TrainerTestHooks): TrialExecutor & { release(): Promise<void> } {
  const cache = new ResourceCache();
  return {
    async runSegment(req): Promise<SegmentOutcome> {
      // The run's worker.log gets what a training worker would have written there.
      const logPath = runPaths(req.runDir).log;
      const emit = (e: TrainingEvent) => {
        if (e.type === 'log' || e.type === 'checkpoint' || e.type === 'evaluation' || e.type === 'started' || e.type === 'skipped' || e.type === 'finished') {
          try {
            appendFileSync(logPath, `[${new Date().toISOString()}] ${JSON.stringify(e)}\n`);
          } catch {
            // A log line is not worth failing a trial for.
          }
        }
        req.onEvent(e);
      };
      try {
        const status = await runTraining(req.runDir, { resume: req.resume, stopAtStep: req.stopAtStep, emit, control, resources: cache, ...(hooks ? { hooks } : {}) });
        return { status };
      } catch (e) {
        const err = e instanceof SpsError ? e : new SpsError('INTERNAL', e instanceof Error ? (e.stack ?? e.message) : String(e));
        try {
          writeStateAtomic(req.runDir, { ...(readState(req.runDir) ?? {}), status: 'failed', message: err.message, endedAt: new Date().toISOString() });
        } catch {
          // The run folder may be unwritable; the sweep still records the trial as failed.
        }
        emit({ type: 'failed', step: -1, error: err.toJSON(), logPath });
        try {
          appendFileSync(logPath, `[${new Date().toISOString()}] failed: ${err.message}\n`);
        } catch {
          // as above
        }
        return { status: 'failed', error: err.toJSON() };
      }
    },
    release: () => cache.release(),
  };
}
