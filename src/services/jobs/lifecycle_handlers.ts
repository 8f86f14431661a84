import { rmSync } from 'node:fs';
import type { ApiHandlers, RunSummary } from '../../shared/api.js';
import { SpsError } from '../../shared/errors.js';
import type { JobConfig } from '../../shared/job.js';
import { checkJob, readRunJob } from '../../engine/tuning/run.js';
import { readState } from '../../engine/tuning/run_dir.js';
import type { DeviceQueue } from './device_queue.js';
import type { RunFolders } from './run_folders.js';
import { deletableRunDir } from './run_delete.js';
import { hasLiveWorker, markEnded } from './run_records.js';

export type LifecycleHandlers = Pick<ApiHandlers, 'jobs.create' | 'jobs.start' | 'jobs.pause' | 'jobs.resume' | 'jobs.cancel' | 'jobs.delete'>;

export interface LifecycleDeps {
  folders: RunFolders;
  queue: DeviceQueue;
  summary(id: string, dir: string): RunSummary;
  /** Announces a run's new status ('jobs.changed'). */
  changed(id: string, dir: string): void;
  /** Writes a new run's folder (createRun, in an inference worker). */
  createRun(job: JobConfig, dir: string): Promise<void>;
}

/** Creating a run, moving it through start / pause / resume / cancel, and deleting it. */
export function lifecycleHandlers({ folders, queue, summary, changed, createRun }: LifecycleDeps): LifecycleHandlers {
  const enqueue = (id: string, dir: string, resume: boolean): RunSummary => {
    queue.enqueue(id, dir, readRunJob(dir).job.device, resume);
    return summary(id, dir);
  };

  return {
    'jobs.create': async ({ job, name }) => {
      const j = checkJob(name !== undefined ? { ...job, name } : job, 'job');
      if (j.device !== 'cpu') throw new SpsError('PROVIDER_UNAVAILABLE', `device "${j.device}" is not available yet`, { location: { field: 'job.device' }, hint: 'use the cpu device' });
      const { id, dir } = folders.allocate(j.name);
      // Reserved now: a second create in the same second while this one writes gets another id.
      folders.remember(id, dir);
      try {
        // Opening the model and hashing the data take seconds for large files: the model's worker does it.
        await createRun(j, dir);
      } catch (err) {
        folders.forget(id);
        throw err;
      }
      const s = summary(id, dir);
      changed(id, dir);
      return s;
    },
    'jobs.start': async ({ id }) => {
      const dir = folders.resolve(id);
      if (queue.isLive(id)) throw new SpsError('INVALID_ARGUMENT', 'the run is already running or queued', { location: { field: 'id' } });
      await queue.settled(id);
      const status = readState(dir)?.status ?? 'created';
      if (status !== 'created') throw new SpsError('INVALID_ARGUMENT', `the run is ${status}; only a new run can be started`, { location: { field: 'id' }, hint: 'use jobs.resume to continue it' });
      return enqueue(id, dir, false);
    },
    'jobs.resume': async ({ id }) => {
      const dir = folders.resolve(id);
      await queue.settled(id);
      // A paused worker continues; a queued run just keeps waiting.
      if (queue.command(id, { type: 'resume' }) || queue.isQueued(id)) return summary(id, dir);
      const status = readState(dir)?.status ?? 'created';
      if (status === 'completed') throw new SpsError('INVALID_ARGUMENT', 'the run has completed; there is nothing to resume', { location: { field: 'id' }, hint: 'export it, or create a new run' });
      return enqueue(id, dir, status !== 'created');
    },
    'jobs.pause': async ({ id }) => {
      folders.resolve(id);
      return { ok: queue.command(id, { type: 'pause' }) };
    },
    'jobs.cancel': async ({ id }) => {
      const dir = folders.resolve(id);
      // The worker checkpoints and ends as cancelled; resume continues from there.
      if (queue.command(id, { type: 'cancel' })) return { ok: true };
      const waiting = queue.unqueue(id);
      if (!waiting) return { ok: false };
      // A queued run that never started stays a new run; a queued resume keeps its checkpoints.
      if (waiting.resume) markEnded(dir, 'cancelled', 'cancelled while queued');
      changed(id, dir);
      return { ok: true };
    },
    'jobs.delete': async ({ id }) => {
      const dir = folders.resolve(id);
      if (queue.isLive(id)) throw new SpsError('INVALID_ARGUMENT', 'the run is running or queued and cannot be deleted', { location: { field: 'id' }, hint: 'cancel it first' });
      if (hasLiveWorker(readState(dir))) {
        throw new SpsError('INVALID_ARGUMENT', 'a training process is still working on this run', { location: { field: 'id' }, hint: 'wait for it to end or stop it first' });
      }
      // A worker that has reported its end may still be exiting: let it go first.
      await queue.settled(id);
      rmSync(deletableRunDir(dir, folders.root()), { recursive: true, force: true });
      folders.forget(id);
      return { deleted: true };
    },
  };
}
