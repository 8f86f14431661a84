import { existsSync, readFileSync } from 'node:fs';
import type { MetricRecord, RunDetail, RunSummary } from '../../shared/api.js';
import { readRunJob } from '../../engine/tuning/run.js';
import { readMetrics, readState, runPaths, type RunState } from '../../engine/tuning/run_dir.js';
import { runError } from './run_records.js';

const LOG_LINES = 50;

/** A run as jobs.list shows it, from its folder; `queued` comes from the device queue. */
export function runSummary(id: string, dir: string, queued: boolean): RunSummary {
  const { job, createdAt } = readRunJob(dir);
  let state: RunState | undefined;
  try {
    state = readState(dir);
  } catch {
    state = undefined;
  }
  const best = (state?.best as RunSummary['best'] | undefined) ?? null;
  const error = runError(state);
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
}

/** jobs.get: the summary plus the job, every metric record and the end of the worker log. */
export function runDetail(id: string, dir: string, queued: boolean): RunDetail {
  const { job } = readRunJob(dir);
  const metrics = readMetrics(dir) as MetricRecord[];
  return { ...runSummary(id, dir, queued), job, metrics, log: tailLines(runPaths(dir).log, LOG_LINES) };
}

function tailLines(path: string, n: number): string[] {
  if (!existsSync(path)) return [];
  try {
    const lines = readFileSync(path, 'utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-n);
  } catch {
    return [];
  }
}
