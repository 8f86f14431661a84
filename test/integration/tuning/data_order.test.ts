import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMetrics, runPaths } from '../../../src/engine/tuning/run_dir.js';
import { runTraining, type TrainerTestHooks, type TrainingControl } from '../../../src/engine/tuning/trainer.js';
import type { TrainingEvent } from '../../../src/shared/training_events.js';
import { mulberry32 } from '../../../src/shared/mulberry32.js';
import { storiesModelDir } from '../../helpers/fixtures.js';
import { createTestRun } from './tuning_helpers.js';

/**
 * A run's data order is a pure function of the seed and the dataset: the same final prompt,
 * bit for bit, whether the examples come from a fresh or a complete token cache, are tokenized
 * in the background while training (in worker threads), or the run crashed mid-way (with a
 * half-filled cache) and was resumed.
 */
const STEPS = 12;
let root: string;
let data: string;

function writeStories(file: string, rows: number): void {
  const rand = mulberry32(5);
  const words = ['Lily', 'Tom', 'dog', 'ball', 'park', 'happy', 'ran', 'saw', 'big', 'red', 'tree', 'sun'];
  const lines = Array.from({ length: rows }, () => JSON.stringify({ text: Array.from({ length: 4 + Math.floor(rand() * 20) }, () => words[Math.floor(rand() * words.length)]).join(' ') + '.' }));
  writeFileSync(file, lines.join('\n') + '\n');
}

function flags(): Record<string, string> {
  return { model: storiesModelDir(), data, task: 'lm', 'virtual-tokens': '4', lr: '0.1', batch: '3', 'grad-accum': '2', seed: '7', steps: String(STEPS), 'eval-every': '6', 'checkpoint-every': '4', 'val-fraction': '0.1' };
}

class Control implements TrainingControl {
  paused = false;
  cancelled = false;
  waitForResume(): Promise<void> {
    return Promise.resolve();
  }
}

async function train(dir: string, opts: { cache: string; resume?: boolean; hooks?: TrainerTestHooks; onEvent?: (e: TrainingEvent, c: Control) => void; create?: boolean; control?: TrainingControl }): Promise<TrainingEvent[]> {
  if (opts.create !== false) createTestRun(dir, flags());
  const events: TrainingEvent[] = [];
  const own = new Control();
  const control = opts.control ?? own;
  const prev = process.env.SPS_TOKEN_CACHE;
  process.env.SPS_TOKEN_CACHE = opts.cache;
  try {
    await runTraining(dir, {
      resume: opts.resume ?? false,
      control,
      emit: (e) => {
        events.push(e);
        opts.onEvent?.(e, own);
      },
      ...(opts.hooks ? { hooks: opts.hooks } : {}),
    });
  } finally {
    process.env.SPS_TOKEN_CACHE = prev;
  }
  return events;
}

const finalPrompt = (dir: string) => readFileSync(join(runPaths(dir).final, 'prompt.safetensors'));
/** Train losses by step (the last record of a step: a resumed run repeats the steps after its checkpoint). */
const losses = (dir: string) => [...new Map(readMetrics(dir).filter((m) => m.kind === 'train').map((m) => [m.step as number, m.loss])).entries()].sort((a, b) => a[0] - b[0]);

describe('data order with the token cache and background tokenization', () => {
  let reference: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'sps-data-order-'));
    data = join(root, 'stories.jsonl');
    writeStories(data, 400);
    reference = join(root, 'reference');
    await train(reference, { cache: join(root, 'cache-ref') });
  }, 180_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('a second run on the complete cache tokenizes nothing and ends with the same prompt', async () => {
    const dir = join(root, 'cached');
    const events = await train(dir, { cache: join(root, 'cache-ref') });
    expect(events.some((e) => e.type === 'tokenizing')).toBe(false);
    expect(finalPrompt(dir).equals(finalPrompt(reference))).toBe(true);
    expect(losses(dir)).toEqual(losses(reference));
  });

  it('large data on a complete cache: the first step waits for neither tokenization nor the baseline; same prompt and baseline', async () => {
    const dir = join(root, 'cached-large');
    const events = await train(dir, { cache: join(root, 'cache-ref'), hooks: { backgroundTokenization: true } });
    const types = events.map((e) => e.type);
    expect(types).not.toContain('tokenizing');
    expect(types.indexOf('progress')).toBeGreaterThan(-1);
    expect(types.indexOf('progress')).toBeLessThan(types.indexOf('baseline'));
    expect(types.indexOf('baseline')).toBeLessThan(types.indexOf('evaluation'));
    expect(finalPrompt(dir).equals(finalPrompt(reference))).toBe(true);
    expect(readMetrics(dir).filter((m) => m.kind === 'baseline')).toEqual(readMetrics(reference).filter((m) => m.kind === 'baseline'));
  });

  it('training while tokenizing in two worker threads: same prompt; the first step comes before tokenization ends', async () => {
    const dir = join(root, 'background');
    const events = await train(dir, { cache: join(root, 'cache-bg'), hooks: { backgroundTokenization: true, tokenizerThreads: 2 } });
    expect(finalPrompt(dir).equals(finalPrompt(reference))).toBe(true);
    expect(losses(dir)).toEqual(losses(reference));
    const started = events.findIndex((e) => e.type === 'started');
    const lastTokenizing = events.map((e) => e.type).lastIndexOf('tokenizing');
    expect(started).toBeGreaterThan(-1);
    expect(lastTokenizing).toBeGreaterThan(started);
    // The baseline waits for the validation set, and comes before the first evaluation.
    const types = events.map((e) => e.type);
    expect(types.indexOf('baseline')).toBeLessThan(types.indexOf('evaluation'));
    expect(readMetrics(dir).filter((m) => m.kind === 'baseline')).toEqual(readMetrics(reference).filter((m) => m.kind === 'baseline'));
  });

  it('a crash mid-run (cache half filled, inside the step-8 checkpoint), resumed, ends bit-identical', async () => {
    const dir = join(root, 'crash');
    const cache = join(root, 'cache-crash');
    let crashed = false;
    await expect(
      train(dir, {
        cache,
        hooks: {
          backgroundTokenization: true,
          tokenizerThreads: 1,
          onCheckpointStage: (step, stage) => {
            if (step === 8 && stage === 'prompt.safetensors') {
              crashed = true;
              throw new Error('simulated crash');
            }
          },
        },
      }),
    ).rejects.toThrow('simulated crash');
    expect(crashed).toBe(true);
    const events = await train(dir, { cache, resume: true, create: false, hooks: { backgroundTokenization: true, tokenizerThreads: 1 } });
    // The newest verified checkpoint: the periodic step 4, or step 6 if its evaluation improved.
    const started = events.find((e) => e.type === 'started');
    expect(started).toMatchObject({ resumed: true });
    const from = started?.type === 'started' ? started.step : -1;
    expect([4, 6]).toContain(from);
    expect(finalPrompt(dir).equals(finalPrompt(reference))).toBe(true);
    expect(losses(dir).filter(([s]) => (s as number) > from)).toEqual(losses(reference).filter(([s]) => (s as number) > from));
  });

  it('a run cancelled at step 6 and resumed on a cleared cache ends bit-identical', async () => {
    const dir = join(root, 'cancel');
    await train(dir, {
      cache: join(root, 'cache-cancel-1'),
      hooks: { backgroundTokenization: true, tokenizerThreads: 1 },
      onEvent: (e, c) => {
        if (e.type === 'progress' && e.step === 6) c.cancelled = true;
      },
    });
    await train(dir, { cache: join(root, 'cache-cancel-2'), resume: true, create: false, hooks: { backgroundTokenization: true, tokenizerThreads: 1 } });
    expect(finalPrompt(dir).equals(finalPrompt(reference))).toBe(true);
  });

  it('a cancel during an evaluation stops it between batches (no evaluation recorded); resumed, the run ends bit-identical', async () => {
    const dir = join(root, 'cancel-in-eval');
    // Cancelled from the third cancel check of the step-6 evaluation on: two batches scored, then stop.
    class CancelInEvaluation implements TrainingControl {
      readonly paused = false;
      evaluating = false;
      checks = 0;
      get cancelled(): boolean {
        if (!this.evaluating) return false;
        this.checks++;
        return this.checks >= 3;
      }
      waitForResume(): Promise<void> {
        return Promise.resolve();
      }
    }
    const control = new CancelInEvaluation();
    const events = await train(dir, {
      cache: join(root, 'cache-ref'),
      control,
      onEvent: (e) => {
        if (e.type === 'progress' && e.step === 6) control.evaluating = true;
      },
    });
    expect(control.checks).toBeGreaterThanOrEqual(3);
    const finished = events.find((e) => e.type === 'finished');
    expect(finished).toMatchObject({ status: 'cancelled', step: 6 });
    expect(events.some((e) => e.type === 'evaluation')).toBe(false);
    expect(readMetrics(dir).filter((m) => m.kind === 'evaluation')).toEqual([]);
    await train(dir, { cache: join(root, 'cache-ref'), resume: true, create: false });
    expect(finalPrompt(dir).equals(finalPrompt(reference))).toBe(true);
  });
});
