import { runSweep } from '../engine/sweep/driver.js';
import { inProcessExecutor } from '../engine/sweep/inprocess_executor.js';
import { SpsError } from '../shared/errors.js';
import type { SweepEvent } from '../shared/sweep_state.js';
import type { TrainingCommand } from '../shared/training_events.js';
import { CommandControl } from './control.js';
import { parentPort } from './port.js';
import type { FaultHooks } from './worker_main.js';

/**
 * The sweep process: receives one `start` with a sweep folder and runs its trials one after
 * another in this process (engine/sweep/inprocess_executor.ts), relaying sweep events.
 * `cancel` checkpoints the running trial and stops; so does losing the parent (a closed app
 * or a killed CLI), so an orphan never keeps training. `sps sweep resume` continues.
 */
export type ParentToSweepWorker = { type: 'start'; dir: string } | { type: 'command'; command: TrainingCommand };
export type SweepWorkerToParent = { type: 'event'; event: SweepEvent } | { type: 'failed'; error: ReturnType<SpsError['toJSON']> } | { type: 'exit'; code: number };

export interface SweepWorkerOptions {
  hooks?: FaultHooks;
}

export function serveSweepWorker(opts: SweepWorkerOptions = {}): void {
  const port = parentPort<ParentToSweepWorker, SweepWorkerToParent>();
  const control = new CommandControl();
  let started = false;

  process.on('disconnect', () => control.apply({ type: 'cancel' }));

  port.onMessage((msg) => {
    if (msg.type === 'command') {
      control.apply(msg.command);
      return;
    }
    if (started) return;
    started = true;
    const log = (m: string) => process.stderr.write(`[${new Date().toISOString()}] ${m}\n`);
    const executor = inProcessExecutor(control, opts.hooks?.(log));
    runSweep(msg.dir, {
      executor,
      control,
      emit: (event) => {
        if (event.type !== 'trial-event') log(JSON.stringify(event));
        port.post({ type: 'event', event });
      },
    })
      .then(async (state) => {
        await executor.release();
        finish(state.status === 'failed' ? 1 : 0);
      })
      .catch((e: unknown) => {
        const err = e instanceof SpsError ? e : new SpsError('INTERNAL', e instanceof Error ? (e.stack ?? e.message) : String(e));
        log(`failed: ${err.message}`);
        port.post({ type: 'failed', error: err.toJSON() });
        finish(1);
      });
  });

  function finish(code: number): void {
    port.post({ type: 'exit', code });
    setTimeout(() => process.exit(code), 50);
  }
}
