import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ApiHandlers } from '../shared/api.js';
import { SpsError } from '../shared/errors.js';
import type { SweepDetail, SweepEvent, SweepSummary } from '../shared/sweep_state.js';
import { sweepReport, type SweepReport } from '../engine/sweep/report.js';
import { checkSweep, createSweep, planSweep, readSweepState, sweepPaths, writeSweepState } from '../engine/sweep/sweep_dir.js';
import { startSweepWorker, type SweepHandle } from '../worker/sweep_supervisor.js';
import { notFound, type ServiceContext } from './context.js';
import { checkRunId, isRunId, runIdFor } from './jobs/run_ids.js';
import { pidAlive } from '../worker/run_lock.js';

type SweepHandlers = Pick<ApiHandlers, 'sweeps.plan' | 'sweeps.create' | 'sweeps.list' | 'sweeps.get' | 'sweeps.cancel' | 'sweeps.resume'>;

export interface SweepsService {
  handlers: SweepHandlers;
  /** Marks sweeps an earlier session left running (no live worker) as interrupted; resume continues them. */
  markInterrupted(): string[];
  shutdown(timeoutMs: number): Promise<void>;
}

/** A trial's run id: the sweep id and the trial id, so jobs.* and exports.* can open the trial's run. */
export function trialRunId(sweepId: string, trialId: string): string {
  return `${sweepId}.${trialId}`;
}

/**
 * Sweeps: folders under <runs>/sweeps/, run one at a time in a sweep worker process (every
 * trial of a sweep runs there, one after another, as an ordinary run folder). Events go out as
 * 'sweeps.event' (and each trial's training events as 'jobs.event' under its run id), status
 * changes as 'sweeps.changed'. Trials' runs are registered with the jobs service (`adopt`) so
 * the results screen, exports and "continue as a full run" (jobs.resume) work on them.
 */
export function sweepsService(ctx: ServiceContext, adopt: (runId: string, dir: string) => void): SweepsService {
  const root = () => join(ctx.runsDir, 'sweeps');
  let active: { id: string; handle: SweepHandle; done: Promise<void> } | undefined;
  const waiting: string[] = [];
  let closing = false;

  const dirOf = (id: string): string => {
    checkRunId(id);
    const dir = join(root(), id);
    if (!existsSync(sweepPaths(dir).sweep)) throw notFound('sweep', id, 'list the sweeps with sweeps.list');
    return dir;
  };

  const summaryOf = (id: string, r: SweepReport): SweepSummary => {
    const { plan, createdAt, config } = r.sweep;
    return {
      id,
      dir: r.dir,
      ...(config.name ? { name: config.name } : {}),
      status: r.state.status,
      ...(r.state.reason ? { reason: r.state.reason } : {}),
      metric: plan.metric,
      trials: plan.trials.length,
      trialsRun: r.trials.filter((t) => t.results.length > 0).length,
      rungs: plan.rungs,
      stepsUsed: r.state.stepsUsed,
      plannedSteps: plan.plannedSteps,
      fullGridSteps: plan.fullGridSteps,
      elapsedSeconds: r.state.elapsedSeconds,
      createdAt,
      best: r.recommendation ? { trial: r.recommendation.trial, value: r.recommendation.value } : null,
    };
  };
  const summary = (id: string) => summaryOf(id, sweepReport(dirOf(id)));
  const changed = (id: string) => {
    try {
      ctx.emit('sweeps.changed', { sweep: summary(id) });
    } catch {
      // A sweep folder removed under us: nothing to report.
    }
  };

  const launch = (id: string): void => {
    const dir = dirOf(id);
    const onEvent = (event: SweepEvent) => {
      ctx.emit('sweeps.event', { id, event });
      if (event.type === 'trial-event') ctx.emit('jobs.event', { id: trialRunId(id, event.trial), event: event.event });
      if (event.type === 'trial-started') adopt(trialRunId(id, event.trial), join(dir, 'trials', event.trial));
      if (event.type !== 'trial-event') changed(id);
    };
    const handle = startSweepWorker(dir, { onEvent, ...(ctx.opts.launcher ? { launcher: ctx.opts.launcher } : {}), ...(ctx.opts.workerEnv ? { env: ctx.opts.workerEnv } : {}) });
    const done = handle.done.then(() => {
      active = undefined;
      changed(id);
      const next = waiting.shift();
      if (next && !closing) launch(next);
    });
    active = { id, handle, done };
    changed(id);
  };
  const enqueue = (id: string) => {
    if (closing) throw new SpsError('INVALID_ARGUMENT', 'the app is shutting down', { hint: 'start the sweep after the restart' });
    if (active?.id === id || waiting.includes(id)) throw new SpsError('INVALID_ARGUMENT', 'the sweep is already running or waiting', { location: { field: 'id' } });
    if (active) waiting.push(id);
    else launch(id);
  };

  const list = (): string[] => (existsSync(root()) ? readdirSync(root()).filter((n) => isRunId(n) && existsSync(sweepPaths(join(root(), n)).sweep)) : []);

  const handlers: SweepHandlers = {
    'sweeps.plan': async ({ config }) => planSweep(checkSweep(config, 'sweep config')),
    'sweeps.create': async ({ config, name }) => {
      const c = checkSweep(name !== undefined ? { ...config, name } : config, 'sweep config');
      if (c.job.device !== 'cpu') throw new SpsError('PROVIDER_UNAVAILABLE', `device "${c.job.device}" is not available yet`, { location: { field: 'config.job.device' }, hint: 'use the cpu device' });
      mkdirSync(root(), { recursive: true });
      const base = runIdFor(c.name ?? 'sweep');
      let id = base;
      for (let k = 2; existsSync(join(root(), id)); k++) id = `${base}-${k}`;
      createSweep(join(root(), id), c);
      enqueue(id);
      return summary(id);
    },
    'sweeps.list': async () => {
      const rows: SweepSummary[] = [];
      for (const id of list()) {
        try {
          rows.push(summary(id));
        } catch {
          // A damaged sweep folder is not listed (sweeps.get says why).
        }
      }
      return rows.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    },
    'sweeps.get': async ({ id }) => {
      const dir = dirOf(id);
      const r = sweepReport(dir, { curves: true });
      const trialRows: SweepDetail['trialRows'] = r.trials.map((t) => {
        const runId = trialRunId(id, t.id);
        if (existsSync(join(t.runDir, 'job.json'))) adopt(runId, t.runDir);
        return { ...t, runId };
      });
      return { ...summaryOf(id, r), config: r.sweep.config, plan: r.sweep.plan, state: r.state, trialRows, recommendation: r.recommendation, sensitivity: r.sensitivity };
    },
    'sweeps.cancel': async ({ id }) => {
      dirOf(id);
      if (active?.id === id) {
        active.handle.command({ type: 'cancel' });
        return { ok: true };
      }
      const i = waiting.indexOf(id);
      if (i < 0) return { ok: false };
      waiting.splice(i, 1);
      changed(id);
      return { ok: true };
    },
    'sweeps.resume': async ({ id }) => {
      const dir = dirOf(id);
      const state = readSweepState(dir);
      if (state.status === 'completed') throw new SpsError('INVALID_ARGUMENT', 'the sweep has completed; there is nothing to resume', { location: { field: 'id' }, hint: 'continue its best trial as a full run from the comparison view' });
      if (active?.id !== id && pidAlive(state.pid) && state.status === 'running' && state.pid !== process.pid) {
        throw new SpsError('INVALID_ARGUMENT', 'another process is running this sweep', { location: { field: 'id' }, hint: 'wait for it to end or stop it first' });
      }
      enqueue(id);
      return summary(id);
    },
  };

  return {
    handlers,
    markInterrupted: () => {
      const marked: string[] = [];
      for (const id of list()) {
        try {
          const dir = join(root(), id);
          const state = readSweepState(dir);
          if (state.status === 'running' && !pidAlive(state.pid)) {
            writeSweepState(dir, { ...state, status: 'interrupted', reason: 'the app closed while the sweep was running; resume continues where it stopped' });
            marked.push(id);
          }
        } catch {
          // Unreadable: sweeps.get reports it.
        }
      }
      return marked;
    },
    shutdown: async (timeoutMs) => {
      closing = true;
      waiting.length = 0;
      const a = active;
      if (!a) return;
      a.handle.command({ type: 'cancel' });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([a.done.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs)))]);
      clearTimeout(timer);
      if (timedOut) {
        a.handle.kill('SIGKILL');
        await Promise.race([a.done, new Promise((r) => setTimeout(r, 2000))]);
      }
    },
  };
}
