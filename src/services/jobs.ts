import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiHandlers, MetricRecord, RunDetail, RunSummary } from '../shared/api.js';
import { SpsError } from '../shared/errors.js';
import type { JobConfig } from '../shared/job.js';
import type { SerializedError, TrainingEvent } from '../shared/training_events.js';
import { runCheckpointPrompt } from '../engine/inference/classify_text.js';
import { nearestTokens } from '../engine/inference/nearest_tokens.js';
import { predictExamples } from '../engine/inference/predictions.js';
import { checkJob, createRun, readRunJob } from '../engine/tuning/run.js';
import { readMetrics, readState, runPaths, writeStateAtomic, type RunState } from '../engine/tuning/run_dir.js';
import { startTrainingWorker, type TrainingHandle } from '../worker/supervisor.js';
import { notFound, type ServiceContext } from './context.js';
import { deletableRunDir } from './run_delete.js';

type JobHandlers = Pick<ApiHandlers, 'jobs.create' | 'jobs.start' | 'jobs.pause' | 'jobs.resume' | 'jobs.cancel' | 'jobs.list' | 'jobs.get' | 'jobs.delete' | 'jobs.nearestTokens' | 'jobs.predictions'>;

const LOG_LINES = 50;
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;

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

/** "My run: v2!" → "my-run-v2" (at most 40 characters; "run" when nothing is left). */
export function slug(name: string | undefined): string {
  const s = (name ?? '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return s || 'run';
}

/** 20260102-030405-name: sortable by creation time, readable in a file manager. */
export function runIdFor(name: string | undefined, now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `${stamp}-${slug(name)}`;
}

function pidAlive(pid: unknown): boolean {
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else (so it is not our worker either way).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tailLines(path: string, n: number): string[] {
  if (!existsSync(path)) return [];
  try {
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-n);
  } catch {
    return [];
  }
}

export interface JobsService {
  handlers: JobHandlers;
  /** Marks runs left running/paused by an earlier session (no live worker) as interrupted. */
  markInterrupted(): string[];
  shutdown(timeoutMs: number): Promise<void>;
  /** The running worker of a run (tests, diagnostics). */
  activePid(id: string): number | undefined;
  /** A run's folder from its id (checked: a run id, an existing run). */
  resolve(id: string): string;
}

/**
 * Training jobs: run folders under the runs folder, one worker process per running job, at
 * most one running job per device (the rest wait in a queue, `queued: true`). A paused job
 * keeps its worker and its device. Worker events are forwarded as 'jobs.event'; every status
 * change as 'jobs.changed'.
 */
export function jobsService(ctx: ServiceContext): JobsService {
  const active = new Map<string, Active>();
  const queue: Waiting[] = [];
  /** Runs this session knows by id, wherever they live (the runs folder may change). */
  const known = new Map<string, string>();
  let closing = false;

  const checkId = (id: string): void => {
    if (!ID_PATTERN.test(id) || id.includes('..')) throw new SpsError('INVALID_ARGUMENT', `"${id}" is not a run id`, { location: { field: 'id' } });
  };

  const dirOf = (id: string): string => {
    checkId(id);
    const dir = known.get(id) ?? join(ctx.runsDir, id);
    if (!existsSync(runPaths(dir).job)) throw notFound('run', id, 'list the runs with jobs.list');
    known.set(id, dir);
    return dir;
  };

  const errorOf = (state: RunState | undefined): SerializedError | undefined => {
    if (!state || state.status !== 'failed') return undefined;
    const e = state.error as SerializedError | undefined;
    if (e && typeof e.message === 'string') return e;
    return { code: 'RUN_FAILED', message: typeof state.message === 'string' ? state.message : 'the run failed', hint: 'see the worker log; resume continues from the last checkpoint' };
  };

  const summary = (id: string, dir: string): RunSummary => {
    const { job, createdAt } = readRunJob(dir);
    let state: RunState | undefined;
    try {
      state = readState(dir);
    } catch {
      state = undefined;
    }
    const best = (state?.best as RunSummary['best'] | undefined) ?? null;
    const error = errorOf(state);
    const queued = queue.some((w) => w.id === id);
    return {
      id,
      dir,
      ...(job.name ? { name: job.name } : {}),
      status: state?.status ?? 'created',
      step: Number(state?.step ?? 0),
      totalSteps: Number(state?.totalSteps ?? job.training.steps ?? 0),
      task: job.task.kind,
      modelPath: job.model.path,
      createdAt,
      best,
      ...(error ? { error } : {}),
      ...(queued ? { queued: true } : {}),
    };
  };

  const changed = (id: string, dir: string): void => {
    try {
      ctx.emit('jobs.changed', { run: summary(id, dir) });
    } catch {
      // A run folder deleted under us: nothing to report.
    }
  };

  const deviceBusy = (device: string) => [...active.values()].some((a) => a.device === device);

  const launch = (w: Waiting): void => {
    const { id, dir, device } = w;
    const handle = startTrainingWorker(dir, {
      resume: w.resume,
      ...(ctx.opts.launcher ? { launcher: ctx.opts.launcher } : {}),
      ...(ctx.opts.workerEnv ? { env: ctx.opts.workerEnv } : {}),
      onEvent: (event: TrainingEvent) => {
        const a = active.get(id);
        if (a && (event.type === 'finished' || event.type === 'failed')) a.ended = true;
        ctx.emit('jobs.event', { id, event });
        if (event.type === 'started' || event.type === 'paused' || event.type === 'resumed' || event.type === 'finished') changed(id, dir);
      },
    });
    const done = handle.done.then((exit) => {
      active.delete(id);
      const last = exit.last;
      if (last?.type === 'failed' && existsSync(dir)) {
        // Keep the error (and where its log is) with the run, for the UI after a restart too.
        try {
          const state = readState(dir) ?? { status: 'failed' };
          writeStateAtomic(dir, { ...state, status: 'failed', error: last.error, logPath: last.logPath });
        } catch {
          // The failure itself is already recorded by the worker or the supervisor.
        }
      }
      changed(id, dir);
      pump(device);
    });
    active.set(id, { id, dir, device, handle, done, ended: false });
    changed(id, dir);
  };

  const pump = (device: string): void => {
    if (closing || deviceBusy(device)) return;
    const i = queue.findIndex((w) => w.device === device);
    if (i < 0) return;
    const [next] = queue.splice(i, 1);
    try {
      launch(next!);
    } catch (err) {
      markEnded(next!.dir, 'failed', err);
      changed(next!.id, next!.dir);
      pump(device);
    }
  };

  const markEnded = (dir: string, status: 'failed' | 'cancelled' | 'interrupted', why: unknown): void => {
    const prev = (() => {
      try {
        return readState(dir) ?? {};
      } catch {
        return {};
      }
    })();
    const message = why instanceof Error ? why.message : String(why);
    writeStateAtomic(dir, { ...prev, status, message, endedAt: new Date().toISOString(), ...(status === 'failed' ? { error: why instanceof SpsError ? why.toJSON() : { code: 'INTERNAL', message } } : {}) });
  };

  /** Starts now, or queues behind the job running on the same device. */
  const enqueue = (id: string, dir: string, job: JobConfig, resume: boolean): RunSummary => {
    if (closing) throw new SpsError('INVALID_ARGUMENT', 'the app is shutting down', { hint: 'start the job after the restart' });
    const w: Waiting = { id, dir, device: job.device, resume };
    if (deviceBusy(job.device) || queue.some((q) => q.device === job.device)) {
      queue.push(w);
      changed(id, dir);
    } else launch(w);
    return summary(id, dir);
  };

  /** Running (a worker that has not reported its end) or waiting in the queue. */
  const isLiveHere = (id: string) => {
    const a = active.get(id);
    return (a !== undefined && !a.ended) || queue.some((w) => w.id === id);
  };
  const running = (id: string): Active | undefined => {
    const a = active.get(id);
    return a && !a.ended ? a : undefined;
  };

  const listIds = (): Array<[string, string]> => {
    const out = new Map<string, string>();
    const root = ctx.runsDir;
    if (existsSync(root)) {
      for (const name of readdirSync(root)) {
        const dir = join(root, name);
        if (ID_PATTERN.test(name) && existsSync(runPaths(dir).job)) out.set(name, dir);
      }
    }
    for (const [id, dir] of known) if (!out.has(id) && existsSync(runPaths(dir).job)) out.set(id, dir);
    return [...out.entries()];
  };

  const markInterrupted = (): string[] => {
    const marked: string[] = [];
    for (const [id, dir] of listIds()) {
      if (isLiveHere(id)) continue;
      let state: RunState | undefined;
      try {
        state = readState(dir);
      } catch {
        continue;
      }
      if ((state?.status === 'running' || state?.status === 'paused') && !pidAlive(state.pid)) {
        writeStateAtomic(dir, { ...state, status: 'interrupted', message: `the app closed while the run was ${state.status}; resume continues from the last checkpoint`, interruptedAt: new Date().toISOString() });
        marked.push(id);
      }
    }
    return marked;
  };

  const handlers: JobHandlers = {
    'jobs.create': async ({ job, name }) => {
      const j = checkJob(name !== undefined ? { ...job, name } : job, 'job');
      if (j.device !== 'cpu') throw new SpsError('PROVIDER_UNAVAILABLE', `device "${j.device}" is not available yet`, { location: { field: 'job.device' }, hint: 'use the cpu device' });
      const root = ctx.runsDir;
      const base = runIdFor(j.name);
      let id = base;
      for (let k = 2; existsSync(join(root, id)) || known.has(id); k++) id = `${base}-${k}`;
      const dir = join(root, id);
      createRun(dir, j);
      known.set(id, dir);
      const s = summary(id, dir);
      ctx.emit('jobs.changed', { run: s });
      return s;
    },
    'jobs.start': async ({ id }) => {
      const dir = dirOf(id);
      if (isLiveHere(id)) throw new SpsError('INVALID_ARGUMENT', 'the run is already running or queued', { location: { field: 'id' } });
      if (active.get(id)?.ended) await active.get(id)!.done;
      const state = readState(dir);
      const status = state?.status ?? 'created';
      if (status !== 'created') throw new SpsError('INVALID_ARGUMENT', `the run is ${status}; only a new run can be started`, { location: { field: 'id' }, hint: 'use jobs.resume to continue it' });
      return enqueue(id, dir, readRunJob(dir).job, false);
    },
    'jobs.resume': async ({ id }) => {
      const dir = dirOf(id);
      if (active.get(id)?.ended) await active.get(id)!.done;
      const a = running(id);
      if (a) {
        a.handle.command({ type: 'resume' });
        return summary(id, dir);
      }
      if (queue.some((w) => w.id === id)) return summary(id, dir);
      const status = readState(dir)?.status ?? 'created';
      if (status === 'completed') throw new SpsError('INVALID_ARGUMENT', 'the run has completed; there is nothing to resume', { location: { field: 'id' }, hint: 'export it, or create a new run' });
      return enqueue(id, dir, readRunJob(dir).job, status !== 'created');
    },
    'jobs.pause': async ({ id }) => {
      dirOf(id);
      const a = running(id);
      if (!a) return { ok: false };
      a.handle.command({ type: 'pause' });
      return { ok: true };
    },
    'jobs.cancel': async ({ id }) => {
      const dir = dirOf(id);
      const a = running(id);
      if (a) {
        // The worker checkpoints and ends as cancelled; resume continues from there.
        a.handle.command({ type: 'cancel' });
        return { ok: true };
      }
      const i = queue.findIndex((w) => w.id === id);
      if (i < 0) return { ok: false };
      const [w] = queue.splice(i, 1);
      // A queued run that never started stays a new run; a queued resume keeps its checkpoints.
      if (w!.resume) markEnded(dir, 'cancelled', 'cancelled while queued');
      changed(id, dir);
      return { ok: true };
    },
    'jobs.list': async () => {
      const rows: RunSummary[] = [];
      for (const [id, dir] of listIds()) {
        try {
          rows.push(summary(id, dir));
        } catch {
          // A folder with a damaged job.json is not listed (jobs.get reports why).
        }
      }
      return rows.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
    },
    'jobs.get': async ({ id }): Promise<RunDetail> => {
      const dir = dirOf(id);
      const { job } = readRunJob(dir);
      const metrics = readMetrics(dir) as MetricRecord[];
      return { ...summary(id, dir), job, metrics, log: tailLines(runPaths(dir).log, LOG_LINES) };
    },
    'jobs.delete': async ({ id }) => {
      const dir = dirOf(id);
      if (isLiveHere(id)) throw new SpsError('INVALID_ARGUMENT', 'the run is running or queued and cannot be deleted', { location: { field: 'id' }, hint: 'cancel it first' });
      const status = readState(dir)?.status;
      if ((status === 'running' || status === 'paused') && pidAlive(readState(dir)?.pid)) {
        throw new SpsError('INVALID_ARGUMENT', 'a training process is still working on this run', { location: { field: 'id' }, hint: 'wait for it to end or stop it first' });
      }
      // A worker that has reported its end may still be exiting: let it go first.
      await active.get(id)?.done;
      rmSync(deletableRunDir(dir, ctx.runsDir), { recursive: true, force: true });
      known.delete(id);
      return { deleted: true };
    },
    'jobs.predictions': async ({ id, checkpoint }) => {
      const dir = dirOf(id);
      const { job } = readRunJob(dir);
      const chosen = runCheckpointPrompt(dir, checkpoint);
      const { metrics, examples } = await predictExamples(ctx.model(job.model.path), job, chosen.prompt);
      return { checkpoint: chosen.which, metrics: { ...metrics }, examples };
    },
    'jobs.nearestTokens': async ({ id, k }) => {
      const dir = dirOf(id);
      const { job } = readRunJob(dir);
      const { prompt } = runCheckpointPrompt(dir);
      const kk = Math.max(1, Math.min(50, Math.floor(k ?? 5)));
      return nearestTokens(prompt, ctx.model(job.model.path), { k: kk }).map((v) => ({ index: v.index, tokens: v.tokens.map((t) => ({ ...t })) }));
    },
  };

  return {
    handlers,
    markInterrupted,
    activePid: (id) => active.get(id)?.handle.pid,
    resolve: dirOf,
    shutdown: async (timeoutMs) => {
      closing = true;
      queue.length = 0;
      const workers = [...active.values()];
      for (const a of workers) a.handle.command({ type: 'cancel' });
      const all = Promise.all(workers.map((a) => a.done));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([all.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs)))]);
      clearTimeout(timer);
      if (timedOut) {
        for (const a of active.values()) a.handle.kill('SIGKILL');
        await Promise.race([all, new Promise((r) => setTimeout(r, 2000))]);
      }
      // Stopped because the app closed, not by the user: the next start offers to resume them.
      for (const a of workers) markEnded(a.dir, 'interrupted', 'the app was closed during training; resume continues from the last checkpoint');
    },
  };
}
