import type { ModelEntry, ValidationReportDTO } from '../../shared/api';
import type { JobConfig } from '../../shared/job';
import { planTrainMemory, stepShapeOf, type TrainStrategy } from '../../shared/memory_estimate';

/** Defaults that suit a model's size: more virtual tokens for wider models, a smaller lr for bigger ones. */
export function suggestedForModel(m: ModelEntry): { numVirtualTokens: number; learningRate: number; maxLength: number } {
  const h = m.hiddenSize ?? 768;
  const numVirtualTokens = h <= 256 ? 8 : h <= 1024 ? 16 : h <= 2048 ? 20 : h <= 4096 ? 32 : 50;
  const learningRate = h <= 512 ? 0.3 : h <= 2048 ? 0.1 : 0.03;
  const ctx = m.contextLength ?? 2048;
  const maxLength = Math.max(16, Math.min(256, ctx - numVirtualTokens));
  return { numVirtualTokens, learningRate, maxLength };
}

export interface Estimates {
  weightsBytes: number;
  activationBytes: number;
  totalBytes: number;
  /** How the engine will run the step (when the model's shape is known). */
  strategy?: TrainStrategy;
  /** Free memory of the training machine, when known; `fits` compares the estimate with it. */
  freeBytes?: number;
  fits?: boolean;
  tokensPerStep: number;
  tokensPerSecond: number;
  totalSteps: number;
  /** Tokenizing the data into the token cache (0 when a validation with the model already did it). */
  tokenizeSeconds: number;
  /** Training plus tokenization. */
  seconds: number;
}

/**
 * The JavaScript tokenizer's speed on one core (issue 13 measured ~0.3M tokens/s) times the
 * tokenizer threads a run uses (cores − 1, at least one; 2 assumed).
 */
export const TOKENIZER_TOKENS_PER_SECOND = 0.3e6 * 2;

/**
 * Estimates shown before launch (labelled as such in the UI). Memory: with the model's shape
 * known, the engine's own plan (src/shared/memory_estimate.ts: keep-everything or layer-wise,
 * fitted to the measured peaks of `npm run bench`); otherwise a rough weights + activations
 * figure. Time: tokens per step ÷ a conservative tokens/s, plus tokenizing the data once.
 */
export function estimate(job: JobConfig, model: ModelEntry | undefined, report: ValidationReportDTO | undefined, memory?: { freeBytes: number; totalBytes: number }): Estimates | undefined {
  if (!model) return undefined;
  const h = model.hiddenSize ?? 768;
  const layers = model.numLayers ?? 12;
  const vocab = model.vocabSize ?? 32000;
  const params = model.parameters ?? (model.sizeBytes ? model.sizeBytes / 4 : 12 * layers * h * h + vocab * h);
  const weightsBytes = model.sizeBytes ?? params * 4;
  const t = job.training;
  const n = job.prompt.numVirtualTokens || 0;
  const meanLen = report?.train.lengths ? Math.min(report.train.lengths.p95, t.maxLength) : t.maxLength;
  const seq = Math.max(1, meanLen + n);
  const batch = Math.max(1, t.batchSize || 1);
  const activationBytes = batch * seq * h * layers * 12 * 4 + batch * Math.min(seq, 64) * vocab * 4 * 2;
  const tokensPerStep = batch * Math.max(1, t.gradAccum || 1) * seq;
  const gpu = job.device !== 'cpu';
  // forward + input-gradient backward ≈ 4 × params FLOPs per token; 10 GFLOP/s on CPU, 2 TFLOP/s on GPU.
  const tokensPerSecond = Math.max(1, (gpu ? 2e12 : 1e10) / (4 * Math.max(params, 1)));
  let totalSteps = t.steps ?? 0;
  if (t.steps === undefined && t.epochs !== undefined) {
    const examples = report?.train.examples ?? 0;
    const trainEx = report?.validation ? examples : Math.round(examples * (1 - job.data.validationFraction));
    totalSteps = Math.ceil((t.epochs * trainEx) / (batch * Math.max(1, t.gradAccum || 1)));
  }
  const evals = t.evalEvery > 0 ? Math.floor(totalSteps / t.evalEvery) : 0;
  const evalTokens = evals * (report?.validation?.examples ?? Math.round((report?.train.examples ?? 0) * job.data.validationFraction)) * seq * 0.5;
  // The validation report with lengths tokenized every example into the shared token cache:
  // the run reuses it. Otherwise the run tokenizes all examples once (mostly while training).
  const examples = (report?.train.examples ?? 0) + (report?.validation?.examples ?? 0);
  const tokenizeSeconds = report?.train.lengths ? 0 : (examples * Math.max(1, t.maxLength / 2)) / TOKENIZER_TOKENS_PER_SECOND;
  const seconds = (totalSteps * tokensPerStep + evalTokens) / tokensPerSecond + tokenizeSeconds;
  const time = { tokensPerStep, tokensPerSecond, totalSteps, tokenizeSeconds, seconds };
  if (model.memoryShape && job.device === 'cpu') {
    const mem = memory ?? { freeBytes: Number.POSITIVE_INFINITY, totalBytes: Number.POSITIVE_INFINITY };
    const plan = planTrainMemory(model.memoryShape, stepShapeOf(job.task.kind, batch, Math.max(1, meanLen), n), mem);
    const e = plan.estimate;
    return {
      weightsBytes: e.weightBytes,
      activationBytes: e.activationBytes + e.logitBytes + e.runtimeBytes,
      totalBytes: e.totalBytes,
      strategy: plan.strategy,
      ...(memory ? { freeBytes: memory.freeBytes, fits: plan.fits } : {}),
      ...time,
    };
  }
  return { weightsBytes, activationBytes, totalBytes: weightsBytes + activationBytes, ...time };
}
