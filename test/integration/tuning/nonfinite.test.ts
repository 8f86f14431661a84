import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readLatestCheckpoint } from '../../../src/engine/tuning/checkpoint.js';
import { readMetrics } from '../../../src/engine/tuning/run_dir.js';
import type { TrainingEvent } from '../../../src/shared/training_events.js';
import { startTrainingWorker } from '../../../src/worker/supervisor.js';
import { useTempDir } from '../../helpers/fixtures.js';
import { allFinite, createTestRun, finalPromptBytes, sentimentFlags, startWorker, stateOf, trainRecords, workerLog } from './tuning_helpers.js';

/**
 * Non-finite steps (injected through the tests' own worker entry, test/helpers/hooked_train_worker.ts): a lone one is skipped and
 * the run goes on; too many in a row stop the run with a clear message, keeping the last good
 * checkpoint.
 */
describe('non-finite loss or gradient', () => {
  const tmp = useTempDir('sps-nonfinite-');
  const STEPS = 8;
  const base = () => sentimentFlags({ steps: String(STEPS), 'checkpoint-every': '2', 'eval-every': '4' });

  it('a single non-finite step is skipped, recorded, and the run completes', async () => {
    const dir = join(tmp(), 'one');
    createTestRun(dir, base());
    const w = startWorker(dir, { hooks: { nonFiniteAtSteps: [3] } });
    const exit = await w.done;
    expect(exit.code, workerLog(dir)).toBe(0);

    const skipped = w.events.filter((e) => e.type === 'skipped');
    expect(skipped).toEqual([{ type: 'skipped', step: 3, consecutive: 1, reason: 'the gradient is not finite' }]);
    const metrics = readMetrics(dir);
    expect(metrics.filter((m) => m.kind === 'skipped')).toEqual([{ kind: 'skipped', step: 3, reason: 'the gradient is not finite' }]);
    // Step 3 counts as a step (its batch is consumed) but has no 'train' record.
    const steps = trainRecords(dir).map((r) => r.step);
    expect(steps).toEqual([1, 2, 4, 5, 6, 7, 8]);
    const lastProgress = w.events.filter((e): e is Extract<TrainingEvent, { type: 'progress' }> => e.type === 'progress').at(-1);
    expect(lastProgress?.step).toBe(STEPS);
    expect(lastProgress?.skipped).toBe(1);
    const finished = w.events.at(-1);
    expect(finished?.type === 'finished' && finished.status).toBe('completed');
    expect(finished?.type === 'finished' && finished.step).toBe(STEPS);
    expect(stateOf(dir).status).toBe('completed');
    const prompt = new Float64Array(new Uint8Array(finalPromptBytes(dir)).buffer);
    expect(allFinite(prompt)).toBe(true);
  });

  it('three non-finite steps in a row with maxConsecutiveSkips 3 stop the run with a clear message', async () => {
    const config = join(tmp(), 'job.json');
    writeFileSync(config, JSON.stringify({ training: { maxConsecutiveSkips: 3 } }));
    const dir = join(tmp(), 'three');
    // The same job `sps tune --config` makes; the faults go through the tests' worker entry.
    createTestRun(dir, { ...base(), config });
    const w = startWorker(dir, { hooks: { nonFiniteAtSteps: [3, 4, 5] } });
    const exit = await w.done;
    expect(exit.code, workerLog(dir)).not.toBe(0);
    const events = w.events;
    expect(events.filter((e) => e.type === 'skipped').map((e) => e.type === 'skipped' && e.consecutive)).toEqual([1, 2, 3]);
    const failed = events.at(-1);
    if (failed?.type !== 'failed') throw new Error(`expected a failed event last, got ${JSON.stringify(failed)}`);
    expect(failed.error.message).toMatch(/3 steps in a row/);
    expect(failed.error.hint).toMatch(/lower the learning rate/);
    expect(failed.step).toBe(2); // the last step that went through

    const state = stateOf(dir);
    expect(state.status).toBe('failed');
    expect(String(state.message)).toMatch(/3 steps in a row.*lower the learning rate/);
    const { checkpoint } = readLatestCheckpoint(dir);
    expect(checkpoint?.step).toBe(2);
    expect(allFinite(checkpoint!.prompt.data)).toBe(true);
    expect(allFinite(checkpoint!.optimizer.m) && allFinite(checkpoint!.optimizer.v)).toBe(true);
  });

  it('the same three non-finite steps pass under the default limit (5): the limit is the job’s', async () => {
    const dir = join(tmp(), 'default-limit');
    createTestRun(dir, base());
    const w = startWorker(dir, { hooks: { nonFiniteAtSteps: [3, 4, 5] } });
    const exit = await w.done;
    expect(exit.code, workerLog(dir)).toBe(0);
    expect(w.events.filter((e) => e.type === 'skipped').length).toBe(3);
    expect(stateOf(dir).status).toBe('completed');
  });

  // An absurd learning rate (--lr 100, the validator's cap, with --max-grad-norm 0) does NOT go
  // non-finite on stories260K: RMSNorm rescales the huge prompt embeddings, so the loss stays
  // finite. There is no natural non-finite case to test; the injected ones above stand in.
});

describe('fault injection stays out of the shipped worker', () => {
  const tmp = useTempDir('sps-nohooks-');

  it('no source file reads SPS_TEST_HOOKS; the shipped worker ignores it', async () => {
    const srcDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src');
    const readers = readdirSync(srcDir, { recursive: true, encoding: 'utf8' }).filter((f) => /\.tsx?$/.test(f) && readFileSync(join(srcDir, f), 'utf8').includes('SPS_TEST_HOOKS'));
    expect(readers).toEqual([]);

    const dir = join(tmp(), 'plain');
    createTestRun(dir, sentimentFlags({ steps: '4', 'checkpoint-every': '2', 'eval-every': '4' }));
    const events: TrainingEvent[] = [];
    const handle = startTrainingWorker(dir, { resume: false, env: { SPS_TEST_HOOKS: JSON.stringify({ nonFiniteAtSteps: [1, 2, 3, 4] }) }, onEvent: (e) => events.push(e) });
    const exit = await handle.done;
    expect(exit.code, workerLog(dir)).toBe(0);
    expect(events.filter((e) => e.type === 'skipped')).toEqual([]);
  });
});
