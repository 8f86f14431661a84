import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpointDir } from '../../../src/engine/tuning/checkpoint.js';
import { runPaths } from '../../../src/engine/tuning/run_dir.js';
import type { TrainingEvent } from '../../../src/shared/training_events.js';
import { createTestRun, finalPromptBytes, flagsToArgv, parseJsonLines, SENTIMENT_CSV, sentimentFlags, sps, startWorker, stateOf, waitFor, workerLog, type Flags } from './tuning_helpers.js';

/** The worker's event stream and its pause / resume / cancel commands, through the supervisor. */

const STEPS = 20;
const EVAL_EVERY = 5;
const CHECKPOINT_EVERY = 10;

let root: string;
let flags: Flags;
let reference: { events: TrainingEvent[]; prompt: Buffer };

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'sps-protocol-'));
  flags = sentimentFlags({ steps: String(STEPS), 'eval-every': String(EVAL_EVERY), 'checkpoint-every': String(CHECKPOINT_EVERY), seed: '99' });
  const dir = join(root, 'reference');
  createTestRun(dir, flags);
  const w = startWorker(dir);
  const exit = await w.done;
  expect(exit.code, workerLog(dir)).toBe(0);
  expect(exit.signal).toBeNull();
  reference = { events: w.events, prompt: finalPromptBytes(dir) };
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

const isProgress = (e: TrainingEvent): e is Extract<TrainingEvent, { type: 'progress' }> => e.type === 'progress';

describe('training worker protocol', () => {
  it('events arrive in order: loading…, started, baseline, progress…, evaluation, checkpoint, finished', () => {
    // Reading the dataset is reported first, ending at the file's size.
    const loading = reference.events.filter((e) => e.type === 'loading');
    expect(loading.length).toBeGreaterThan(0);
    const lastLoad = loading.at(-1)!;
    expect(lastLoad.type === 'loading' && lastLoad.bytesRead === lastLoad.totalBytes).toBe(true);
    expect(reference.events.findIndex((e) => e.type === 'started')).toBeGreaterThan(reference.events.lastIndexOf(lastLoad));
    // Small data is tokenized before the first step (none of it when the token cache has it).
    const started = reference.events.findIndex((e) => e.type === 'started');
    expect(reference.events.slice(started).some((e) => e.type === 'tokenizing')).toBe(false);
    const ev = reference.events.filter((e) => e.type !== 'log' && e.type !== 'loading' && e.type !== 'tokenizing');
    expect(ev[0]).toMatchObject({ type: 'started', step: 0, totalSteps: STEPS, resumed: false });
    expect(ev[1]?.type).toBe('baseline');
    expect(ev.at(-1)).toMatchObject({ type: 'finished', status: 'completed', step: STEPS });
    expect(ev.filter((e) => e.type === 'started' || e.type === 'baseline' || e.type === 'finished').length).toBe(3);
    expect(ev.some((e) => e.type === 'failed' || e.type === 'skipped' || e.type === 'paused')).toBe(false);

    // Progress: steps 1..STEPS, once each, in order.
    expect(ev.filter(isProgress).map((e) => e.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    // Every other event belongs to the step of the progress event just before it.
    let step = 0;
    const evalSteps: number[] = [];
    const checkpointSteps: number[] = [];
    for (const e of ev.slice(2, -1)) {
      if (e.type === 'progress') step = e.step;
      else if (e.type === 'evaluation') {
        expect(e.step).toBe(step);
        evalSteps.push(e.step);
      } else if (e.type === 'checkpoint') {
        expect(e.step).toBe(step);
        checkpointSteps.push(e.step);
      } else throw new Error(`unexpected event mid-run: ${JSON.stringify(e)}`);
    }
    expect(evalSteps).toEqual([5, 10, 15, 20]);
    // Periodic checkpoints and the final one are there (best-metric ones come in between).
    for (const s of [CHECKPOINT_EVERY, STEPS]) expect(checkpointSteps).toContain(s);
    // An evaluation that improved is followed by its checkpoint before the next step.
    ev.forEach((e, i) => {
      if (e.type === 'evaluation' && e.best) expect(ev[i + 1]).toMatchObject({ type: 'checkpoint', step: e.step });
    });
  });

  it('pause → paused (state paused, checkpoint at that step); resume → resumed, and the run finishes unchanged', async () => {
    const dir = join(root, 'pause');
    createTestRun(dir, flags);
    let pauseSent = false;
    const w = startWorker(dir, {
      onEvent: (e, h) => {
        if (!pauseSent && e.type === 'progress' && e.step >= 3) {
          pauseSent = true;
          h.command({ type: 'pause' });
        }
      },
    });
    await waitFor(() => w.events.some((e) => e.type === 'paused' || e.type === 'finished' || e.type === 'failed'), 'the paused event');
    const paused = w.events.find((e) => e.type === 'paused');
    if (paused?.type !== 'paused') throw new Error(`no paused event: ${JSON.stringify(w.events.at(-1))}\n${workerLog(dir)}`);
    expect(paused.step).toBeGreaterThanOrEqual(3);
    expect(paused.step).toBeLessThan(STEPS);
    const state = stateOf(dir);
    expect(state.status).toBe('paused');
    expect(state.step).toBe(paused.step);
    const ckpt = loadCheckpointDir(join(runPaths(dir).checkpoints, `step-${paused.step}`), paused.step);
    expect(ckpt.step).toBe(paused.step);

    // While paused, no training happens.
    const count = w.events.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(w.events.length).toBe(count);
    expect(w.events.filter(isProgress).at(-1)?.step).toBe(paused.step);

    w.handle.command({ type: 'resume' });
    const exit = await w.done;
    expect(exit.code).toBe(0);
    const after = w.events.slice(count);
    expect(after[0]).toEqual({ type: 'resumed', step: paused.step });
    expect(after.find(isProgress)?.step).toBe(paused.step + 1);
    expect(w.events.at(-1)).toMatchObject({ type: 'finished', status: 'completed', step: STEPS });
    expect(stateOf(dir).status).toBe('completed');
    expect(finalPromptBytes(dir).equals(reference.prompt), 'a pause does not change the result').toBe(true);
  });

  it('cancel → finished(cancelled), state cancelled; `sps resume` later completes the same run', async () => {
    const dir = join(root, 'cancel');
    createTestRun(dir, flags);
    let sent = false;
    const w = startWorker(dir, {
      onEvent: (e, h) => {
        if (!sent && e.type === 'progress' && e.step >= 7) {
          sent = true;
          h.command({ type: 'cancel' });
        }
      },
    });
    const exit = await w.done;
    expect(exit.code, workerLog(dir)).toBe(0);
    expect(exit.signal).toBeNull();
    const finished = w.events.at(-1);
    if (finished?.type !== 'finished') throw new Error(`expected finished, got ${JSON.stringify(finished)}`);
    expect(finished.status).toBe('cancelled');
    expect(finished.step).toBeGreaterThanOrEqual(7);
    expect(finished.step).toBeLessThan(STEPS);
    expect(stateOf(dir).status).toBe('cancelled');
    expect(existsSync(join(runPaths(dir).final, 'manifest.json'))).toBe(false);
    expect(loadCheckpointDir(join(runPaths(dir).checkpoints, `step-${finished.step}`)).step).toBe(finished.step);

    const r = await sps('resume', dir, '--json');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const events = parseJsonLines(r.stdout);
    expect(events.find((e) => e.type === 'started')).toMatchObject({ resumed: true, step: finished.step });
    expect(events.at(-1)).toMatchObject({ type: 'finished', status: 'completed', step: STEPS });
    expect(stateOf(dir).status).toBe('completed');
    expect(finalPromptBytes(dir).equals(reference.prompt), 'cancel + resume gives the uninterrupted result').toBe(true);
  });

  describe('a data error ends the worker with a failed event, not a crash', () => {
    let badCsv: string;
    let badLine: number;
    beforeAll(() => {
      const lines = readFileSync(SENTIMENT_CSV, 'utf8').split('\n').filter((l) => l !== '').slice(0, 31);
      lines.splice(17, 0, 'The cat was grumpy all day.,angry');
      badLine = 18; // 1-based, header included
      badCsv = join(root, 'bad_label.csv');
      writeFileSync(badCsv, lines.join('\n') + '\n');
    });

    it('a label outside --labels: exit code 1, failed event with file and line', async () => {
      const dir = join(root, 'bad-label');
      createTestRun(dir, { ...flags, data: badCsv, labels: 'happy,sad' });
      const w = startWorker(dir);
      const exit = await w.done;
      expect(exit.signal).toBeNull();
      expect(exit.code).toBe(1);
      const failed = exit.last;
      if (failed?.type !== 'failed') throw new Error(`expected failed, got ${JSON.stringify(failed)}`);
      // Sent by the worker itself (the supervisor's crash event has code WORKER_CRASHED).
      expect(failed.error.code).toBe('INVALID_DATA');
      expect(failed.error.location).toMatchObject({ file: badCsv, line: badLine });
      expect(failed.error.message).toContain('angry');
      expect(failed.logPath).toBe(runPaths(dir).log);
      expect(w.events.filter((e) => e.type === 'failed').length).toBe(1);
      expect(stateOf(dir).status).toBe('failed');
      expect(String(stateOf(dir).message)).toContain(`${badCsv}:${badLine}`);
    });

    it('`sps tune` prints the failure with its location, once, and exits 1', async () => {
      const out = join(root, 'bad-label-cli');
      const r = await sps('tune', ...flagsToArgv({ ...flags, data: badCsv, labels: 'happy,sad', out }));
      expect(r.code).toBe(1);
      const failedLines = r.stdout.split('\n').filter((l) => l.startsWith('failed: '));
      expect(failedLines.length, r.stdout).toBe(1);
      const line = failedLines[0]!;
      expect(line).toContain(`${badCsv}:${badLine}`);
      expect(line).toContain(`(log: ${runPaths(out).log})`);
      // The hint is printed once, not repeated after the message that already carries it.
      const hint = 'fix the label (labels are case-sensitive)';
      expect(line.split(hint).length - 1, line).toBe(1);
    });

    it('a missing label column: failed event naming the file and the column', async () => {
      const csv = join(root, 'no_label.csv');
      const lines = readFileSync(SENTIMENT_CSV, 'utf8').split('\n').slice(0, 21);
      lines[0] = 'text,mood';
      writeFileSync(csv, lines.join('\n') + '\n');
      const dir = join(root, 'no-label');
      createTestRun(dir, { ...flags, data: csv });
      const w = startWorker(dir);
      const exit = await w.done;
      expect(exit.signal).toBeNull();
      expect(exit.code).toBe(1);
      const failed = exit.last;
      if (failed?.type !== 'failed') throw new Error(`expected failed, got ${JSON.stringify(failed)}`);
      expect(failed.error.code).toBe('INVALID_DATA');
      expect(failed.error.location).toMatchObject({ file: csv, field: 'label' });
      expect(failed.error.message).toContain('"mood"');
    });
  });
});
