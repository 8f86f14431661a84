/**
 * One measurement of ours, in its own process (so peak RSS is this configuration's alone):
 * a train step with a given strategy and levers, optionally evaluation (scoring) and KV-cache
 * generation. Run by train-step.bench.ts with `--child <job json> <result file>`.
 */
import type { TrainStrategy } from '../src/shared/memory_estimate.js';
import { mulberry32 } from '../src/shared/mulberry32.js';

export interface Workload {
  /** Row label in the table, e.g. "Qwen2.5-0.5B bf16". */
  model: string;
  dir: string;
  batch: number;
  seqLen: number;
  virtualTokens: number;
  /** Labels on the last N tokens of each sequence; 'all' = language modelling. */
  labels: number | 'all';
}

export interface OursJob {
  kind: 'ours';
  w: Workload;
  strategy: TrainStrategy;
  prepack?: boolean;
  cpuMemArena?: boolean;
  memPattern?: boolean;
  warmup: number;
  steps: number;
  /** Also score the batch (evaluation) and generate this many tokens with the KV cache. */
  inference?: { newTokens: number };
}

export interface OursResult {
  timeToFirstStepMs: number;
  loadMs: number;
  createMs: number;
  rssAfterCreateMB: number;
  firstStepMs: number;
  stepMs: number[];
  medianStepMs: number;
  tokensPerSecond: number;
  loss: number;
  gradNorm: number;
  peakRssMB: number;
  coresUsed: number;
  labelRows: number;
  inference?: { scoreMs: number; generateMs: number; tokens: number[]; kvCacheMB: number; peakRssMB: number };
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export async function runOurs(job: OursJob): Promise<OursResult> {
  const t0 = performance.now();
  const { loadModel } = await import('../src/engine/models/load_model.js');
  const { TrainStepRunner } = await import('../src/engine/tuning/train_step_runner.js');
  const now = (): number => performance.now();
  const w = job.w;
  let t = now();
  const model = loadModel(w.dir);
  const loadMs = now() - t;

  const rand = mulberry32(1234);
  const V = model.spec.vocabSize;
  const examples = Array.from({ length: w.batch }, () => ({
    ids: Array.from({ length: w.seqLen }, () => 3 + Math.floor(rand() * (V - 3))),
    labelStart: w.labels === 'all' ? 0 : w.seqLen - w.labels,
  }));
  const n = w.virtualTokens;
  const d = model.spec.hiddenSize;
  const prompt = { numVirtualTokens: n, dim: d, data: Float64Array.from({ length: n * d }, () => rand() - 0.5) };

  t = now();
  const runner = await TrainStepRunner.create(model, n, {
    dtype: 'float32',
    strategy: job.strategy,
    ...(job.prepack !== undefined ? { prepack: job.prepack } : {}),
    ...(job.cpuMemArena !== undefined ? { cpuMemArena: job.cpuMemArena } : {}),
    ...(job.memPattern !== undefined ? { memPattern: job.memPattern } : {}),
    // The batch it will run, as the trainer passes it: the plan (weights kept or streamed) is
    // made for this shape, not for the default one.
    workload: { batch: w.batch, seqLen: w.seqLen, labelRows: examples.reduce((a, e) => a + e.ids.length - Math.max(e.labelStart, 1), 0) },
  });
  const createMs = now() - t;
  const rssAfterCreateMB = process.memoryUsage().rss / 2 ** 20;

  t = now();
  const first = await runner.step(prompt, examples);
  const firstStepMs = now() - t;
  const timeToFirstStepMs = now() - t0;
  for (let i = 1; i < job.warmup; i++) await runner.step(prompt, examples);
  const stepMs: number[] = [];
  const cpu0 = process.cpuUsage();
  const wall0 = now();
  for (let i = 0; i < job.steps; i++) {
    const s = now();
    await runner.step(prompt, examples);
    stepMs.push(now() - s);
  }
  const cpu1 = process.cpuUsage(cpu0);
  const coresUsed = job.steps > 0 ? (cpu1.user + cpu1.system) / 1000 / (now() - wall0) : 0;
  await runner.release();
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  const timed = stepMs.length > 0 ? stepMs : [firstStepMs];
  const medianStepMs = median(timed);
  let gradNorm = 0;
  for (const g of first.grad) gradNorm += g * g;
  const result: OursResult = {
    timeToFirstStepMs,
    loadMs,
    createMs,
    rssAfterCreateMB,
    firstStepMs,
    stepMs,
    medianStepMs,
    tokensPerSecond: (w.batch * (n + w.seqLen)) / (medianStepMs / 1000),
    loss: first.loss,
    gradNorm: Math.sqrt(gradNorm),
    peakRssMB,
    coresUsed,
    labelRows: first.numLabelTokens,
  };

  if (job.inference) {
    const { ScoreRunner } = await import('../src/engine/inference/score_runner.js');
    const { CachedGenerator } = await import('../src/engine/inference/cached_generator.js');
    const strategy = job.strategy === 'keep' ? 'keep' : 'layerwise';
    const scorer = await ScoreRunner.create(model, n, { dtype: 'float32', strategy });
    t = now();
    await scorer.score(prompt, examples, w.batch);
    const scoreMs = now() - t;
    await scorer.release();
    const gen = await CachedGenerator.create(model, { dtype: 'float32', strategy });
    t = now();
    const input = examples[0]!.ids.slice(0, 8);
    const out = await gen.generate(prompt, input, { maxNewTokens: job.inference.newTokens });
    const generateMs = now() - t;
    const kvCacheMB = gen.cacheBytes(n + input.length + job.inference.newTokens) / 2 ** 20;
    await gen.release();
    result.inference = { scoreMs, generateMs, tokens: out.ids, kvCacheMB, peakRssMB: process.resourceUsage().maxRSS / 1024 };
  }
  return result;
}
