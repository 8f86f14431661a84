import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { jobFromFlags } from '../../../src/cli/commands/tune.js';
import { loadCheckpointDir } from '../../../src/engine/tuning/checkpoint.js';
import { createRun } from '../../../src/engine/tuning/run.js';
import { readMetrics, readState, runPaths } from '../../../src/engine/tuning/run_dir.js';
import type { JobConfig } from '../../../src/shared/job.js';
import type { TrainingEvent } from '../../../src/shared/training_events.js';
import { startTrainingWorker, type TrainingHandle, type WorkerExit } from '../../../src/worker/supervisor.js';
import { storiesModelDir } from '../../helpers/fixtures.js';
import { hookedWorkerEntry } from '../../helpers/test_hooks.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SAMPLES = join(repoRoot, 'resources', 'samples');
export const SENTIMENT_CSV = join(SAMPLES, 'sentiment.csv');
export const STORY_ENDINGS = join(SAMPLES, 'story_endings.jsonl');

export type Flags = Record<string, string | boolean>;

/** Flags of a small, fast classification job on the sentiment sample (override any). */
export function sentimentFlags(overrides: Flags = {}): Flags {
  return {
    model: storiesModelDir(),
    data: SENTIMENT_CSV,
    task: 'classification',
    'input-template': '{text} The story is',
    'virtual-tokens': '8',
    lr: '0.3',
    batch: '4',
    seed: '11',
    ...overrides,
  };
}

/** Flags → argv for `sps tune`. */
export function flagsToArgv(flags: Flags): string[] {
  const argv: string[] = [];
  for (const [k, v] of Object.entries(flags)) {
    if (v === false) continue;
    argv.push(`--${k}`);
    if (v !== true) argv.push(v);
  }
  return argv;
}

/** Creates a run folder exactly as `sps tune` would (same flag → job path), without training. */
export function createTestRun(runDir: string, flags: Flags): JobConfig {
  const job = jobFromFlags(flags);
  createRun(runDir, job);
  return job;
}

/**
 * Writes the first `rows` data rows of the sentiment sample (plus header) to `file`: a train
 * set small enough that a short run crosses epoch boundaries.
 */
export function writeSentimentSubset(file: string, rows: number): string {
  const lines = readFileSync(SENTIMENT_CSV, 'utf8').split('\n').filter((l) => l !== '');
  writeFileSync(file, lines.slice(0, rows + 1).join('\n') + '\n');
  return file;
}

export { sps, type CliResult } from '../cli/cli_helpers.js';

/** Parses `--json` event output: every non-empty line must be a JSON object with a type. */
export function parseJsonLines(stdout: string): TrainingEvent[] {
  const lines = stdout.split('\n').filter((l) => l !== '');
  return lines.map((l) => {
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch {
      throw new Error(`stdout line is not JSON: ${l}`);
    }
    expect(typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string', l).toBe(true);
    return v as TrainingEvent;
  });
}

export interface WorkerRun {
  handle: TrainingHandle;
  events: TrainingEvent[];
  done: Promise<WorkerExit>;
}

/**
 * Starts the training worker for `runDir` (the test entry, which takes `hooks`) and records its
 * events; `onEvent` sees each one with the handle (to kill it or send commands at a precise point).
 */
export function startWorker(runDir: string, opts: { resume?: boolean; hooks?: unknown; onEvent?: (e: TrainingEvent, h: TrainingHandle) => void } = {}): WorkerRun {
  const events: TrainingEvent[] = [];
  const env: NodeJS.ProcessEnv = { SPS_TEST_HOOKS: opts.hooks === undefined ? '' : JSON.stringify(opts.hooks) };
  // Events arrive over IPC, so never before startTrainingWorker has returned the handle.
  const handle: TrainingHandle = startTrainingWorker(runDir, {
    resume: opts.resume ?? false,
    env,
    // Fault injection goes through the tests' own worker entry, never the shipped one.
    entry: hookedWorkerEntry(),
    onEvent: (e) => {
      events.push(e);
      opts.onEvent?.(e, handle);
    },
  });
  return { handle, events, done: handle.done };
}

/** The raw float64 bytes of a checkpoint folder's prompt (final/, best/ or checkpoints/step-N). */
export function promptBytes(dir: string): Buffer {
  const { prompt } = loadCheckpointDir(dir);
  return Buffer.from(prompt.data.buffer, prompt.data.byteOffset, prompt.data.byteLength);
}

export function finalPromptBytes(runDir: string): Buffer {
  return promptBytes(runPaths(runDir).final);
}

/** The deterministic part of a 'train' record (tokensPerSecond and etaSeconds are timings). */
export interface TrainPoint {
  step: number;
  epoch: number;
  loss: number;
  gradNorm: number;
  lr: number;
  skipped: number;
}

/** The 'train' records of metrics.jsonl, in file order, without their timing fields. */
export function trainRecords(runDir: string): TrainPoint[] {
  return readMetrics(runDir)
    .filter((r) => r.kind === 'train')
    .map((r) => ({ step: r.step as number, epoch: r.epoch as number, loss: r.loss as number, gradNorm: r.gradNorm as number, lr: r.lr as number, skipped: r.skipped as number }));
}

export function stateOf(runDir: string): Record<string, unknown> {
  const s = readState(runDir);
  if (!s) throw new Error(`no state.json in ${runDir}`);
  return s;
}

/** Polls `pred` every 20 ms until it holds, or fails after `timeoutMs` saying what it waited for. */
export async function waitFor(pred: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** worker.log's text ('' before the worker wrote anything). */
export function workerLog(runDir: string): string {
  const p = runPaths(runDir).log;
  return existsSync(p) ? readFileSync(p, 'utf8') : '';
}

/** Every element of a prompt is finite. */
export function allFinite(a: Float64Array): boolean {
  return a.every((x) => Number.isFinite(x));
}
