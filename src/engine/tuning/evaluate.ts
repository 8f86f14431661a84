import type { Metrics } from '../../shared/training_events.js';
import type { TokenizedExample } from '../data/example.js';
import type { ForwardRunner } from '../inference/forward_runner.js';
import { greedyGenerate } from '../inference/generate.js';
import type { ScoreRunner } from '../inference/score_runner.js';
import { accuracy, confusionMatrix, generationExactMatch, macroF1, perplexity, tokenF1 } from './metrics.js';
import type { TrainExample } from './prepare_data.js';
import type { SoftPrompt } from './soft_prompt.js';

/**
 * Validation examples read in blocks (a run reads them from the token cache, so evaluating a
 * large validation set holds one block in memory, not the set), or simply an array.
 */
export interface ExampleSource {
  readonly length: number;
  /** Examples start..end-1, in order (waits while they are being tokenized). */
  read(start: number, end: number): Promise<readonly TrainExample[]>;
}

/** Examples per block (rounded up to a multiple of the batch size, so every batch is the one an array would give). */
export const EVAL_BLOCK_EXAMPLES = 2048;

export interface EvalContext {
  kind: 'classification' | 'generation' | 'lm';
  validation: readonly TrainExample[] | ExampleSource;
  /** Examples read at a time (default EVAL_BLOCK_EXAMPLES); any value gives the same metrics. */
  blockExamples?: number;
  labels?: readonly string[];
  verbalizerIds?: readonly number[][];
  batchSize: number;
  /**
   * Generation: score exact match / token F1 on the first N validation examples only (each
   * costs a few forward passes). Absent: every example. The metrics then say how many were
   * scored (generation_examples of validation_examples).
   */
  maxGenerationExamples?: number;
  stopTokenIds: readonly number[];
  /**
   * Asked before every batch (every example when generating): true stops the evaluation with
   * EvaluationCancelled, so a cancel never waits for a whole validation set to be scored.
   */
  cancelled?: () => boolean;
}

/** Thrown when `EvalContext.cancelled` says so: the evaluation's partial results are dropped. */
export class EvaluationCancelled extends Error {
  constructor() {
    super('evaluation cancelled');
    this.name = 'EvaluationCancelled';
  }
}

function sourceOf(v: EvalContext['validation']): ExampleSource {
  if (!Array.isArray(v)) return v as ExampleSource;
  const a = v as readonly TrainExample[];
  return { length: a.length, read: async (s, e) => a.slice(s, e) };
}

/**
 * The first `count` examples, `batch` at a time, read block by block. Blocks are whole
 * multiples of the batch size, so the scorer sees exactly the batches one call over all
 * examples would make, and sums taken across batches in order equal the sums over the whole
 * list, to the last bit. The cancel check runs before each batch.
 */
async function* batchesOf(ctx: EvalContext, count: number, batch: number): AsyncGenerator<readonly TrainExample[]> {
  const src = sourceOf(ctx.validation);
  const size = Math.ceil(Math.max(1, ctx.blockExamples ?? EVAL_BLOCK_EXAMPLES) / batch) * batch;
  for (let s = 0; s < count; s += size) {
    const block = await src.read(s, Math.min(count, s + size));
    for (let b = 0; b < block.length; b += batch) {
      if (ctx.cancelled?.()) throw new EvaluationCancelled();
      yield block.slice(b, b + batch);
    }
  }
}

/** Token-level mean loss over all label tokens (the validation loss). */
async function meanLoss(ctx: EvalContext, scorer: ScoreRunner, prompt: SoftPrompt | undefined): Promise<number> {
  let lp = 0;
  let n = 0;
  for await (const batch of batchesOf(ctx, sourceOf(ctx.validation).length, ctx.batchSize)) {
    const scores = await scorer.score(prompt, batch, ctx.batchSize);
    for (const s of scores) lp += s.logprob;
    for (const s of scores) n += s.tokens;
  }
  return -lp / n;
}

/**
 * Classification as a PEFT evaluation would do it: each label scored by the summed
 * log-probability of its verbalizer tokens after the input; argmax, ties to the first label.
 */
export async function classify(scorer: ScoreRunner, prompt: SoftPrompt | undefined, inputs: readonly TrainExample[], verbalizerIds: readonly number[][], batch: number): Promise<number[]> {
  const candidates: TokenizedExample[] = [];
  for (const ex of inputs) {
    const input = ex.ids.slice(0, ex.labelStart);
    for (const v of verbalizerIds) candidates.push({ ids: [...input, ...v], labelStart: input.length });
  }
  const scores = await scorer.score(prompt, candidates, batch);
  const L = verbalizerIds.length;
  return inputs.map((_, i) => {
    let best = 0;
    for (let c = 1; c < L; c++) if (scores[i * L + c]!.logprob > scores[i * L + best]!.logprob) best = c;
    return best;
  });
}

export interface EvalDetails {
  metrics: Metrics;
  /** Classification: the predicted label index of each validation example. */
  predictions?: number[];
  /** Generation: the greedy tokens of the examples scored (all, or the first `maxGenerationExamples`). */
  generations?: number[][];
}

/** The task's validation metrics for a prompt (or for the bare model when prompt is undefined). */
export async function evaluate(ctx: EvalContext, scorer: ScoreRunner, generator: ForwardRunner | undefined, prompt: SoftPrompt | undefined): Promise<Metrics> {
  return (await evaluateWithDetails(ctx, scorer, generator, prompt)).metrics;
}

/** Metrics plus the per-example predictions behind them. */
export async function evaluateWithDetails(ctx: EvalContext, scorer: ScoreRunner, generator: ForwardRunner | undefined, prompt: SoftPrompt | undefined): Promise<EvalDetails> {
  const metrics: Metrics = {};
  const details: EvalDetails = { metrics };
  const total = sourceOf(ctx.validation).length;
  const valLoss = await meanLoss(ctx, scorer, prompt);
  metrics.val_loss = valLoss;
  if (ctx.kind === 'lm') metrics.perplexity = perplexity(valLoss);
  if (ctx.kind === 'classification' && ctx.verbalizerIds && ctx.labels) {
    const truth: number[] = [];
    const pred: number[] = [];
    for await (const batch of batchesOf(ctx, total, ctx.batchSize)) {
      for (const e of batch) truth.push(e.label!);
      // A batch of inputs gives batch × labels candidates: whole batches, as for the whole set.
      pred.push(...(await classify(scorer, prompt, batch, ctx.verbalizerIds, ctx.batchSize)));
    }
    metrics.accuracy = accuracy(truth, pred);
    metrics.macro_f1 = macroF1(truth, pred);
    metrics.confusion_matrix = confusionMatrix(truth, pred, ctx.labels.length);
    metrics.labels = [...ctx.labels];
    details.predictions = pred;
  }
  if (ctx.kind === 'generation' && generator) {
    const sampled = ctx.maxGenerationExamples === undefined ? total : Math.min(total, ctx.maxGenerationExamples);
    let em = 0;
    let f1 = 0;
    let stopped = 0;
    details.generations = [];
    for await (const one of batchesOf(ctx, sampled, 1)) {
      for (const ex of one) {
        const input = ex.ids.slice(0, ex.labelStart);
        const ref = ex.ids.slice(ex.labelStart);
        const g = await greedyGenerate(generator, prompt, input, { maxNewTokens: ref.length, stopTokenIds: ctx.stopTokenIds });
        details.generations.push(g.ids);
        em += generationExactMatch(g.ids, ref) ? 1 : 0;
        f1 += tokenF1(g.ids, ref);
        stopped += g.stopped ? 1 : 0;
      }
    }
    metrics.exact_match = em / sampled;
    metrics.token_f1 = f1 / sampled;
    metrics.generation_stopped = stopped / sampled;
    metrics.generation_examples = sampled;
    metrics.validation_examples = total;
  }
  return details;
}
