import { existsSync } from 'node:fs';
import { SpsError } from '../../shared/errors.js';
import type { TrainingCommand, TrainingEvent } from '../../shared/training_events.js';
import type { WorkerLauncher } from '../../worker/launcher.js';
import { startTrainingWorker, type TrainingHandle } from '../../worker/supervisor.js';
import { keepFailure, markEnded } from './run_records.js';

interface Active {
  id: string;
  dir: string;
  device: string;
  handle: TrainingHandle;
  done: Promise<void>;
  /** The worker has reported its end (finished / failed) and is exiting. */
  ended: boolean;
}

interface Waiting {
  id: string;
  dir: string;
  device: string;
  resume: boolean;
}

export interface DeviceQueueOptions {
  launcher?: WorkerLauncher;
  workerEnv?: NodeJS.ProcessEnv;
  /** Who drives the workers, as the run lock names it to a second process ("sps serve", the desktop app). */
  holder?: string;
  /** Every event of a run's worker. */
  onEvent(id: string, dir: string, event: TrainingEvent): void;
  /** A run's status may have changed (started, queued, ended, ...). */
  onChanged(id: string, dir: string): void;
}

/**
 * Training workers, at most one running per device; the rest wait in a FIFO per device. A
 * paused job keeps its worker and its device. When a worker exits, the next waiting job on
 * its device starts.
 */
export class DeviceQueue {
  private readonly active = new Map<string, Active>();
  private readonly waiting: Waiting[] = [];
  private closing = false;

  constructor(private readonly opts: DeviceQueueOptions) {}

  /** Starts now, or queues behind the job running on the same device. */
  enqueue(id: string, dir: string, device: string, resume: boolean): void {
    if (this.closing) throw new SpsError('INVALID_ARGUMENT', 'the app is shutting down', { hint: 'start the job after the restart' });
    const w: Waiting = { id, dir, device, resume };
    if (this.deviceBusy(device) || this.waiting.some((q) => q.device === device)) {
      this.waiting.push(w);
      this.opts.onChanged(id, dir);
    } else this.launch(w);
  }

  isQueued(id: string): boolean {
    return this.waiting.some((w) => w.id === id);
  }

  /** Running (a worker that has not reported its end) or waiting in the queue. */
  isLive(id: string): boolean {
    return this.running(id) !== undefined || this.isQueued(id);
  }

  /** Sends pause / resume / cancel to a running worker; false when the run has none. */
  command(id: string, command: TrainingCommand): boolean {
    const a = this.running(id);
    if (!a) return false;
    a.handle.command(command);
    return true;
  }

  /** Takes a run out of the queue; undefined when it was not waiting. */
  unqueue(id: string): { resume: boolean } | undefined {
    const i = this.waiting.findIndex((w) => w.id === id);
    if (i < 0) return undefined;
    const [w] = this.waiting.splice(i, 1);
    return { resume: w!.resume };
  }

  /** Waits until a worker that has reported its end (finished / failed) has exited. */
  async settled(id: string): Promise<void> {
    const a = this.active.get(id);
    if (a?.ended) await a.done;
  }

  pid(id: string): number | undefined {
    return this.active.get(id)?.handle.pid;
  }

  /** Empties the queue, cancels every worker (they checkpoint), kills those that outlast timeoutMs. */
  async shutdown(timeoutMs: number): Promise<void> {
    this.closing = true;
    this.waiting.length = 0;
    const workers = [...this.active.values()];
    for (const a of workers) a.handle.command({ type: 'cancel' });
    const all = Promise.all(workers.map((a) => a.done));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([all.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs)))]);
    clearTimeout(timer);
    if (timedOut) {
      for (const a of this.active.values()) a.handle.kill('SIGKILL');
      await Promise.race([all, new Promise((r) => setTimeout(r, 2000))]);
    }
    // Stopped because the app closed, not by the user: the next start offers to resume them.
    for (const a of workers) quietly(() => markEnded(a.dir, 'interrupted', 'the app was closed during training; resume continues from the last checkpoint'));
  }

  private running(id: string): Active | undefined {
    const a = this.active.get(id);
    return a && !a.ended ? a : undefined;
  }

  private deviceBusy(device: string): boolean {
    return [...this.active.values()].some((a) => a.device === device);
  }

  private launch(w: Waiting): void {
    const { id, dir, device } = w;
    const handle = startTrainingWorker(dir, {
      resume: w.resume,
      ...(this.opts.launcher ? { launcher: this.opts.launcher } : {}),
      ...(this.opts.workerEnv ? { env: this.opts.workerEnv } : {}),
      ...(this.opts.holder ? { holder: this.opts.holder } : {}),
      onEvent: (event: TrainingEvent) => {
        const a = this.active.get(id);
        if (a && (event.type === 'finished' || event.type === 'failed')) a.ended = true;
        this.opts.onEvent(id, dir, event);
      },
    });
    const done = handle.done.then((exit) => {
      this.active.delete(id);
      if (exit.last?.type === 'failed' && existsSync(dir)) keepFailure(dir, exit.last);
      this.opts.onChanged(id, dir);
      this.pump(device);
    });
    this.active.set(id, { id, dir, device, handle, done, ended: false });
    this.opts.onChanged(id, dir);
  }

  /** Starts the next waiting job of a device that has become free. */
  private pump(device: string): void {
    if (this.closing || this.deviceBusy(device)) return;
    const i = this.waiting.findIndex((w) => w.device === device);
    if (i < 0) return;
    const [next] = this.waiting.splice(i, 1);
    try {
      this.launch(next!);
    } catch (err) {
      // Locked by another process: the run is that process's, its state is not ours to change.
      if (!(err instanceof SpsError && err.code === 'RUN_LOCKED')) quietly(() => markEnded(next!.dir, 'failed', err));
      this.opts.onChanged(next!.id, next!.dir);
      this.pump(device);
    }
  }
}

/** A state write that may fail (disk full, a folder in the way) where nobody could be told: never throws. */
function quietly(write: () => void): void {
  try {
    write();
  } catch {
    // The run's state stays as it was; the API reports what it finds.
  }
}
