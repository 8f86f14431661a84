import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpointDir, readLatestCheckpoint } from '../../../src/engine/tuning/checkpoint.js';
import { readMetrics, runPaths } from '../../../src/engine/tuning/run_dir.js';
import type { TrainingEvent } from '../../../src/shared/training_events.js';
import { createTestRun, finalPromptBytes, parseJsonLines, sentimentFlags, sps, startWorker, stateOf, trainRecords, waitFor, workerLog, writeSentimentSubset, type Flags, type TrainPoint } from './tuning_helpers.js';

/**
 * Crash safety: a run SIGKILLed at any point (between checkpoints, right after one, inside a
 * checkpoint write) and then resumed with `sps resume` ends with the same prompt, bit for bit,
 * as the same job run without interruption.
 */

const STEPS = 24;
const CHECKPOINT_EVERY = 4;
const EVAL_EVERY = 8;

let root: string;
let flags: Flags;
let reference: { prompt: Buffer; train: Map<number, TrainPoint>; numTrain: number; lastEpoch: number };

/** A long hold: the test kills the worker long before it ends. */
const hold = (step: number, stage: string) => ({ holdAtCheckpoint: { step, stage, ms: 60_000 } });

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'sps-crash-'));
  // 27 rows with a 20% validation split: 21 train examples that 24 steps of batch 4 walk
  // through several times, so resumes land inside later epochs too.
  const data = writeSentimentSubset(join(root, 'data.csv'), 27);
  flags = sentimentFlags({ data, 'val-fraction': '0.2', steps: String(STEPS), 'checkpoint-every': String(CHECKPOINT_EVERY), 'eval-every': String(EVAL_EVERY), seed: '1234' });
  const dir = join(root, 'reference');
  createTestRun(dir, flags);
  const w = startWorker(dir);
  const exit = await w.done;
  expect(exit.code, workerLog(dir)).toBe(0);
  expect(exit.last?.type).toBe('finished');
  const started = w.events.find((e) => e.type === 'started');
  const progress = w.events.filter((e): e is Extract<TrainingEvent, { type: 'progress' }> => e.type === 'progress');
  reference = {
    prompt: finalPromptBytes(dir),
    train: new Map(trainRecords(dir).map((r) => [r.step, r])),
    numTrain: started?.type === 'started' ? started.numTrain : -1,
    lastEpoch: progress.at(-1)?.epoch ?? -1,
  };
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/**
 * Creates a run of the reference job, starts the worker with `hooks`, lets `kill` decide when
 * to SIGKILL it, then checks the crash left a readable, resumable run and that `sps resume`
 * reproduces the reference prompt exactly. Returns the step the resume started from.
 */
async function crashAndResume(name: string, hooks: unknown, kill: (e: TrainingEvent, dir: string) => boolean, opts: { waitForLog?: RegExp } = {}): Promise<{ resumedFrom: number; dir: string; leftovers: string[] }> {
  const dir = join(root, name);
  createTestRun(dir, flags);
  let killed = false;
  const w = startWorker(dir, {
    hooks,
    onEvent: (e, h) => {
      if (!killed && !opts.waitForLog && kill(e, dir)) {
        killed = true;
        h.kill('SIGKILL');
      }
    },
  });
  if (opts.waitForLog) {
    const re = opts.waitForLog;
    await waitFor(() => re.test(workerLog(dir)) || w.events.some((e) => e.type === 'finished' || e.type === 'failed'), `worker.log to match ${re}`, 40_000);
    expect(workerLog(dir)).toMatch(re);
    killed = true;
    w.handle.kill('SIGKILL');
  }
  const exit = await w.done;
  expect(killed, 'the kill point was reached').toBe(true);
  expect(exit.signal).toBe('SIGKILL');
  expect(w.events.some((e) => e.type === 'finished')).toBe(false);

  // The supervisor recorded the crash; the run's files stay readable.
  const state = stateOf(dir);
  expect(state.status).toBe('failed');
  expect(String(state.message)).toContain('SIGKILL');
  expect(exit.last?.type).toBe('failed');
  expect(() => readMetrics(dir)).not.toThrow();
  for (const r of trainRecords(dir)) {
    // Whatever was logged before the kill matches the reference run step for step.
    expect(r, `train record at step ${r.step}`).toEqual(reference.train.get(r.step));
  }
  const leftovers = readdirSync(runPaths(dir).checkpoints).filter((n) => n.startsWith('.tmp-') || n.startsWith('.old-'));

  const r = await sps('resume', dir, '--json');
  expect(r.code, `${r.stdout}\n${r.stderr}\n${workerLog(dir)}`).toBe(0);
  const events = parseJsonLines(r.stdout);
  const started = events.find((e) => e.type === 'started');
  if (started?.type !== 'started') throw new Error('resume emitted no started event');
  const finished = events.at(-1);
  expect(finished?.type === 'finished' && finished.status).toBe('completed');
  expect(stateOf(dir).status).toBe('completed');

  // Bit-identical final prompt, and the same loss curve for every step done after the resume.
  expect(finalPromptBytes(dir).equals(reference.prompt), 'final prompt bytes equal the uninterrupted run').toBe(true);
  const after = trainRecords(dir);
  for (const rec of after) expect(rec, `train record at step ${rec.step}`).toEqual(reference.train.get(rec.step));
  expect(after.at(-1)?.step).toBe(STEPS);
  // Interrupted writes are cleaned up by the resumed run's next checkpoint.
  expect(readdirSync(runPaths(dir).checkpoints).filter((n) => n.startsWith('.tmp-') || n.startsWith('.old-'))).toEqual([]);
  return { resumedFrom: started.resumed ? started.step : 0, dir, leftovers };
}

describe('crash safety: SIGKILL + sps resume reproduces the uninterrupted run bit for bit', () => {
  it('the reference job crosses epoch boundaries with a ragged last batch', () => {
    expect(reference.prompt.byteLength).toBe(8 * 64 * 8);
    expect(reference.numTrain % 4).not.toBe(0);
    expect(reference.lastEpoch).toBeGreaterThanOrEqual(2);
  });

  it('(a) killed between checkpoints (right after step 6) resumes from step 4', async () => {
    // The hold inside the step-8 checkpoint only guards against the worker racing past it.
    const { resumedFrom } = await crashAndResume('between', hold(8, 'prompt.safetensors'), (e) => e.type === 'progress' && e.step >= 6);
    expect(resumedFrom).toBe(4);
  });

  it('(b) killed right after the step-12 checkpoint event resumes from step 12', async () => {
    const { resumedFrom } = await crashAndResume('after-checkpoint', hold(16, 'prompt.safetensors'), (e) => e.type === 'checkpoint' && e.step === 12);
    expect(resumedFrom).toBe(12);
  });

  it('(c) killed inside the step-12 checkpoint write (files written, no manifest) resumes from step 8', async () => {
    const { resumedFrom, dir, leftovers } = await crashAndResume('mid-write', hold(12, 'optimizer.safetensors'), () => false, { waitForLog: /test hook: holding inside checkpoint 12 at stage optimizer\.safetensors/ });
    expect(leftovers.some((n) => n.startsWith('.tmp-step-12-'))).toBe(true);
    expect(resumedFrom).toBe(8);
    expect(loadCheckpointDir(join(runPaths(dir).checkpoints, `step-${STEPS}`)).step).toBe(STEPS);
  });

  it('(c2) killed after the manifest is written but before the rename resumes from step 8', async () => {
    const { resumedFrom, leftovers } = await crashAndResume('before-rename', hold(12, 'manifest.json'), () => false, { waitForLog: /holding inside checkpoint 12 at stage manifest\.json/ });
    expect(leftovers.some((n) => n.startsWith('.tmp-step-12-'))).toBe(true);
    expect(resumedFrom).toBe(8);
  });

  it('(c3) killed while replacing a corrupt step-8 checkpoint (old one moved aside, new one not yet in) falls back to step 4', async () => {
    // A checkpoint is replaced only when a resumed run reaches a step whose folder exists but
    // did not verify. Make that happen: stop the run inside the step-12 write, corrupt step-8,
    // resume (from step 4), and kill it while it swaps in the new step-8.
    const dir = join(root, 'mid-swap');
    createTestRun(dir, flags);
    const first = startWorker(dir, { hooks: hold(12, 'prompt.safetensors') });
    await waitFor(() => /holding inside checkpoint 12/.test(workerLog(dir)), 'the step-12 hold', 40_000);
    first.handle.kill('SIGKILL');
    await first.done;
    const step8 = join(runPaths(dir).checkpoints, 'step-8', 'prompt.safetensors');
    const bytes = readFileSync(step8);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(step8, bytes);

    const second = startWorker(dir, { resume: true, hooks: hold(8, 'swap') });
    await waitFor(() => /holding inside checkpoint 8 at stage swap/.test(workerLog(dir)), 'the step-8 swap hold', 40_000);
    second.handle.kill('SIGKILL');
    await second.done;
    const started = second.events.find((e) => e.type === 'started');
    expect(started?.type === 'started' && started.step).toBe(4);
    const leftovers = readdirSync(runPaths(dir).checkpoints).filter((n) => n.startsWith('.tmp-') || n.startsWith('.old-'));
    expect(leftovers.some((n) => n.startsWith('.old-step-8-'))).toBe(true);
    expect(leftovers.some((n) => n.startsWith('.tmp-step-8-'))).toBe(true);

    const r = await sps('resume', dir, '--json');
    expect(r.code, `${r.stdout}\n${r.stderr}\n${workerLog(dir)}`).toBe(0);
    const resumed = parseJsonLines(r.stdout).find((e) => e.type === 'started');
    expect(resumed?.type === 'started' && resumed.step).toBe(4);
    expect(finalPromptBytes(dir).equals(reference.prompt), 'final prompt bytes equal the uninterrupted run').toBe(true);
    expect(readdirSync(runPaths(dir).checkpoints).filter((n) => n.startsWith('.tmp-') || n.startsWith('.old-'))).toEqual([]);
  });

  it('(d) killed inside the very first checkpoint write restarts from scratch', async () => {
    const { resumedFrom, dir } = await crashAndResume('first-write', hold(4, 'prompt.safetensors'), () => false, { waitForLog: /holding inside checkpoint 4 at stage prompt\.safetensors/ });
    expect(resumedFrom).toBe(0);
    // No usable checkpoint existed; the restart logged the baseline again.
    expect(readMetrics(dir).filter((m) => m.kind === 'baseline').length).toBe(2);
    expect(readLatestCheckpoint(dir).checkpoint?.step).toBe(STEPS);
  });
});
