import type { ApiHandlers, RunSummary } from '../../shared/api.js';
import type { ServiceContext } from '../context.js';
import { analysisHandlers } from './analysis_handlers.js';
import { DeviceQueue } from './device_queue.js';
import { lifecycleHandlers } from './lifecycle_handlers.js';
import { RunFolders } from './run_folders.js';
import { markInterrupted } from './run_records.js';
import { runDetail, runSummary } from './run_summary.js';

export { runIdFor, slug } from './run_ids.js';

type JobHandlers = Pick<ApiHandlers, 'jobs.create' | 'jobs.start' | 'jobs.pause' | 'jobs.resume' | 'jobs.cancel' | 'jobs.list' | 'jobs.get' | 'jobs.delete' | 'jobs.nearestTokens' | 'jobs.predictions'>;

export interface JobsService {
  handlers: JobHandlers;
  /** Marks runs left running/paused by an earlier session (no live worker) as interrupted. */
  markInterrupted(): string[];
  shutdown(timeoutMs: number): Promise<void>;
  /** The running worker of a run (tests, diagnostics). */
  activePid(id: string): number | undefined;
  /** A run's folder from its id (checked: a run id, an existing run). */
  resolve(id: string): string;
  /** Makes a run outside the runs folder known by id (a sweep's trials). */
  adopt(id: string, dir: string): void;
}

/**
 * Training jobs: run folders (run_folders.ts), one worker process per running job with at most
 * one per device (device_queue.ts), state written on the workers' behalf and crash recovery
 * (run_records.ts). Worker events are forwarded as 'jobs.event'; every status change as
 * 'jobs.changed'.
 */
export function jobsService(ctx: ServiceContext): JobsService {
  const folders = new RunFolders(() => ctx.runsDir);
  const summary = (id: string, dir: string): RunSummary => runSummary(id, dir, queue.isQueued(id));
  const changed = (id: string, dir: string): void => {
    try {
      ctx.emit('jobs.changed', { run: summary(id, dir) });
    } catch {
      // A run folder deleted under us: nothing to report.
    }
  };
  const queue: DeviceQueue = new DeviceQueue({
    ...(ctx.opts.launcher ? { launcher: ctx.opts.launcher } : {}),
    ...(ctx.opts.workerEnv ? { workerEnv: ctx.opts.workerEnv } : {}),
    holder: ctx.opts.mode === 'web' ? 'sps serve' : 'the Soft Prompt Studio desktop app',
    onChanged: changed,
    onEvent: (id, dir, event) => {
      ctx.emit('jobs.event', { id, event });
      if (event.type === 'started' || event.type === 'paused' || event.type === 'resumed' || event.type === 'finished') changed(id, dir);
    },
  });
  const resolve = (id: string): string => folders.resolve(id);

  const handlers: JobHandlers = {
    ...lifecycleHandlers({
      folders,
      queue,
      summary,
      changed,
      createRun: async (job, runDir) => {
        await ctx.inference.call(ctx.modelKey(job.model.path), 'createRun', { runDir, job });
      },
    }),
    'jobs.list': async () => {
      const rows: RunSummary[] = [];
      for (const [id, dir] of folders.list()) {
        try {
          rows.push(summary(id, dir));
        } catch {
          // A folder with a damaged job.json is not listed (jobs.get reports why).
        }
      }
      return rows.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
    },
    'jobs.get': async ({ id }) => runDetail(id, resolve(id), queue.isQueued(id)),
    ...analysisHandlers(ctx, resolve),
  };

  return {
    handlers,
    markInterrupted: () => markInterrupted(folders.list(), (id) => queue.isLive(id)),
    activePid: (id) => queue.pid(id),
    resolve,
    adopt: (id, dir) => folders.remember(id, dir),
    shutdown: (timeoutMs) => queue.shutdown(timeoutMs),
  };
}
