import { startTrainingWorker } from '../worker/supervisor.js';
import type { CliIO } from './io.js';
import { eventPrinter } from './progress.js';

/**
 * Runs a training run in a worker process and prints its events until it ends. Ctrl-C asks
 * the worker to checkpoint and stop (a second Ctrl-C kills it); the run can be resumed.
 */
export async function followRun(runDir: string, opts: { resume: boolean; json: boolean; io: CliIO; tty?: boolean }): Promise<number> {
  const print = eventPrinter(opts.io, { json: opts.json, tty: opts.tty ?? false });
  const handle = startTrainingWorker(runDir, { resume: opts.resume, onEvent: print });
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      opts.io.stderr('\nstopping: saving a checkpoint (Ctrl-C again to kill)\n');
      handle.command({ type: 'cancel' });
    } else handle.kill('SIGKILL');
  };
  process.on('SIGINT', onSigint);
  try {
    const exit = await handle.done;
    const last = exit.last;
    if (last?.type === 'finished') return last.status === 'completed' ? 0 : 130;
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
