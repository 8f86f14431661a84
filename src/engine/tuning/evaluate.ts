import type { Metrics } from '../../shared/training_events.js';
import type { TokenizedExample } from '../data/example.js';
import type { ForwardRunner } from '../inference/forward_runner.js';
import { greedyGenerate } from '../inference/generate.js';
import type { ScoreRunner } from '../inference/score_runner.js';
import { accuracy, confusionMatrix, generationExactMatch, macroF1, perplexity, tokenF1 } from './metrics.js';
import type { TrainExample } from './prepare_data.js';
import type { SoftPrompt } from './soft_prompt.js';

export interface EvalContext {
  kind: 'classification' | 'generation' | 'lm';
  validation: readonly TrainExample[];
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
}

/** Token-level mean loss over all label tokens (the validation loss). */
async function meanLoss(scorer: ScoreRunner, prompt: SoftPrompt | undefined, examples: readonly TokenizedExample[], batch: number): Promise<number> {
  const scores = await scorer.score(prompt, examples, batch);
  const lp = scores.reduce((a, s) => a + s.logprob, 0);
  const n = scores.reduce((a, s) => a + s.tokens, 0);
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
  const valLoss = await meanLoss(scorer, prompt, ctx.validation, ctx.batchSize);
  metrics.val_loss = valLoss;
  if (ctx.kind === 'lm') metrics.perplexity = perplexity(valLoss);
  if (ctx.kind === 'classification' && ctx.verbalizerIds && ctx.labels) {
    const truth = ctx.validation.map((e) => e.label!);
    const pred = await classify(scorer, prompt, ctx.validation, ctx.verbalizerIds, ctx.batchSize);
    metrics.accuracy = accuracy(truth, pred);
    metrics.macro_f1 = macroF1(truth, pred);
    metrics.confusion_matrix = confusionMatrix(truth, pred, ctx.labels.length);
    metrics.labels = [...ctx.labels];
    details.predictions = pred;
  }
  if (ctx.kind === 'generation' && generator) {
    const sample = ctx.maxGenerationExamples === undefined ? ctx.validation : ctx.validation.slice(0, ctx.maxGenerationExamples);
    let em = 0;
    let f1 = 0;
    let stopped = 0;
    details.generations = [];
    for (const ex of sample) {
      const input = ex.ids.slice(0, ex.labelStart);
      const ref = ex.ids.slice(ex.labelStart);
      const g = await greedyGenerate(generator, prompt, input, { maxNewTokens: ref.length, stopTokenIds: ctx.stopTokenIds });
      details.generations.push(g.ids);
      em += generationExactMatch(g.ids, ref) ? 1 : 0;
      f1 += tokenF1(g.ids, ref);
      stopped += g.stopped ? 1 : 0;
    }
    metrics.exact_match = em / sample.length;
    metrics.token_f1 = f1 / sample.length;
    metrics.generation_stopped = stopped / sample.length;
    metrics.generation_examples = sample.length;
    metrics.validation_examples = ctx.validation.length;
  }
  return details;
}
