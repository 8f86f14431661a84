import { closeSync, lstatSync, openSync, readSync } from 'node:fs';
import type { MetricRecord, RunDetail, RunSummary } from '../../shared/api.js';
import { generationScope } from '../../shared/metric_format.js';
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
  const best = withScope(dir, job.training.generationEvalExamples, (state?.best as RunSummary['best'] | undefined) ?? null);
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

/**
 * A best value from an evaluation that scored generation on part of the validation set says
 * so (only runs with training.generationEvalExamples can have one; others skip the read).
 */
function withScope(dir: string, cap: number | undefined, best: RunSummary['best']): RunSummary['best'] {
  if (!best || cap === undefined) return best;
  try {
    const record = readMetrics(dir).find((r) => r.kind === 'evaluation' && r.step === best.step);
    const scope = generationScope(record);
    return scope ? { ...best, scope } : best;
  } catch {
    return best;
  }
}

/** jobs.get: the summary plus the job, every metric record and the end of the worker log. */
export function runDetail(id: string, dir: string, queued: boolean): RunDetail {
  const { job } = readRunJob(dir);
  const metrics = readMetrics(dir) as MetricRecord[];
  return { ...runSummary(id, dir, queued), job, metrics, log: tailLines(runPaths(dir).log, LOG_LINES) };
}

/** The log's tail only: a log can be large, and one that is not a plain file (a device, a FIFO) is never read. */
const TAIL_BYTES = 64 * 1024;

function tailLines(path: string, n: number): string[] {
  let fd: number | undefined;
  try {
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st?.isFile()) return [];
    fd = openSync(path, 'r');
    const length = Math.min(st.size, TAIL_BYTES);
    const buf = Buffer.alloc(length);
    const read = readSync(fd, buf, 0, length, st.size - length);
    const lines = buf.subarray(0, read).toString('utf8').split('\n');
    if (st.size > length) lines.shift(); // a partial first line
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-n);
  } catch {
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
