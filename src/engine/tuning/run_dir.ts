import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { SpsError } from '../../shared/errors.js';
import { fileError, readJsonFile } from '../files.js';
import { fsyncDir, writeAll, writeJsonAtomic } from './durable_fs.js';

/**
 * The layout of a run directory (DESIGN.md §3 "Runs on disk"): one place that names every
 * file, so the worker, the CLI and the UI never spell paths themselves.
 */
export type RunStatus = 'created' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled' | 'interrupted' | 'stopped';

export const RUN_STATUSES: readonly RunStatus[] = ['created', 'running', 'paused', 'completed', 'failed', 'cancelled', 'interrupted', 'stopped'];

/** state.json: the mutable part of a run (job.json is the immutable part). */
export interface RunState {
  status: RunStatus;
  [key: string]: unknown;
}

export interface RunPaths {
  root: string;
  /** Immutable job config (model and dataset fingerprints included). */
  job: string;
  /** Mutable status, replaced atomically (writeStateAtomic). */
  state: string;
  /** Append-only JSONL of metric records. */
  metrics: string;
  /** checkpoints/step-N/ folders (checkpoint.ts). */
  checkpoints: string;
  best: string;
  final: string;
  exports: string;
  log: string;
}

export function runPaths(runDir: string): RunPaths {
  return {
    root: runDir,
    job: join(runDir, 'job.json'),
    state: join(runDir, 'state.json'),
    metrics: join(runDir, 'metrics.jsonl'),
    checkpoints: join(runDir, 'checkpoints'),
    best: join(runDir, 'best'),
    final: join(runDir, 'final'),
    exports: join(runDir, 'exports'),
    log: join(runDir, 'worker.log'),
  };
}

/**
 * Appends metric records as JSON lines, with ONE fsync per call. Metrics are logged every
 * few optimizer steps (at most a few calls per second), where an fsync costs about a
 * millisecond; a caller with many records at once (e.g. an evaluation) passes an array to
 * batch them under one write + fsync. Records must be JSON (NaN/Infinity become null).
 *
 * A crash mid-append can leave a torn last line. Before appending we repair that, so the
 * torn bytes never get glued to the next record: a tail that parses as JSON merely lacks its
 * newline (one is added); anything else is cut off (that record was lost in the crash).
 */
export function appendMetrics(runDir: string, records: Record<string, unknown> | readonly Record<string, unknown>[]): void {
  const list = Array.isArray(records) ? records : [records];
  if (list.length === 0) return;
  const path = runPaths(runDir).metrics;
  const created = !existsSync(path);
  let fd: number;
  try {
    fd = openSync(path, 'a+');
  } catch (err) {
    throw fileError(err, path, 'metrics file');
  }
  try {
    const prefix = repairTornTail(fd);
    const text = prefix + list.map((r) => JSON.stringify(r)).join('\n') + '\n';
    writeAll(fd, Buffer.from(text, 'utf8'));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (created) fsyncDir(runDir);
}

/** Returns '\n' if the last line is complete JSON without its newline; truncates a torn one. */
function repairTornTail(fd: number): string {
  const size = fstatSync(fd).size;
  if (size === 0) return '';
  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  if (last[0] === 0x0a) return '';
  // Scan backwards for the previous newline; metric lines are short, so this is one chunk.
  let start = size;
  const chunk = Buffer.alloc(4096);
  let tail = Buffer.alloc(0);
  while (start > 0) {
    const len = Math.min(chunk.length, start);
    readSync(fd, chunk, 0, len, start - len);
    const nl = chunk.subarray(0, len).lastIndexOf(0x0a);
    if (nl >= 0) {
      tail = Buffer.concat([chunk.subarray(nl + 1, len), tail]);
      start = start - len + nl + 1;
      break;
    }
    tail = Buffer.concat([chunk.subarray(0, len), tail]);
    start -= len;
  }
  if (parsesAsRecord(tail.toString('utf8'))) return '\n';
  ftruncateSync(fd, start);
  return '';
}

function parsesAsRecord(line: string): boolean {
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/**
 * All metric records in order. A final line without a newline that does not parse is a
 * crash mid-append and is ignored; an unparseable line anywhere else is real damage and
 * is reported with its line number rather than silently dropped.
 */
export function readMetrics(runDir: string): Record<string, unknown>[] {
  const path = runPaths(runDir).metrics;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw fileError(err, path, 'metrics file');
  }
  const lines = text.split('\n');
  const endsClean = text.endsWith('\n');
  const out: Record<string, unknown>[] = [];
  lines.forEach((line, i) => {
    const isTail = i === lines.length - 1;
    if (line === '') return; // the empty string after the final '\n'; we never write blank lines
    if (parsesAsRecord(line)) {
      out.push(JSON.parse(line) as Record<string, unknown>);
      return;
    }
    if (isTail && !endsClean) return; // torn by a crash mid-append
    throw new SpsError('INVALID_DATA', `metrics line ${i + 1} is not a JSON object`, {
      location: { file: path, line: i + 1 },
      hint: 'the metrics file was edited or damaged; remove that line to continue',
    });
  });
  return out;
}

/**
 * Replaces state.json atomically: readers see either the old or the new state, never a
 * half-written file (write a temp file, fsync, rename over, fsync the directory).
 */
export function writeStateAtomic(runDir: string, state: RunState): void {
  if (!RUN_STATUSES.includes(state.status)) throw new SpsError('INTERNAL', `writeStateAtomic: unknown run status "${String(state.status)}"`);
  mkdirSync(runDir, { recursive: true });
  writeJsonAtomic(runPaths(runDir).state, state);
}

/** state.json, or undefined when the run has none yet. */
export function readState(runDir: string): RunState | undefined {
  const path = runPaths(runDir).state;
  if (!existsSync(path)) return undefined;
  const v = readJsonFile(path, 'run state file');
  if (typeof v !== 'object' || v === null || Array.isArray(v) || !RUN_STATUSES.includes((v as { status?: unknown }).status as RunStatus)) {
    throw new SpsError('INVALID_DATA', `run state has no valid "status" (expected one of ${RUN_STATUSES.join(', ')})`, {
      location: { file: path, field: 'status' },
    });
  }
  return v as RunState;
}
