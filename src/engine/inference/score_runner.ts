import type { TokenizedExample } from '../data/example.js';
import { labelledBatch } from '../graphs/feeds.js';
import { buildScoreGraph, SCORE_OUTPUT } from '../graphs/score.js';
import { INPUT } from '../graphs/transformer.js';
import { LayerwiseForward } from '../layerwise/forward_stack.js';
import { chooseInference } from '../layerwise/device_plan.js';
import type { StepStrategy } from '../layerwise/strategy.js';
import type { LoadedModel } from '../models/load_model.js';
import { createModelSession } from '../runtime/model_session.js';
import { tensor, type GraphSession, type ProviderName } from '../runtime/session.js';
import type { SoftPrompt } from '../tuning/soft_prompt.js';
import { padIdOf } from '../tuning/train_step_runner.js';

/** Per-example sums of label-token log-probabilities. */
export interface ExampleScore {
  logprob: number;
  tokens: number;
}

/**
 * Log-probabilities of each example's label tokens: one whole-model scoring graph, or layer by
 * layer with streamed weights when that would not fit (strategy 'auto': chooseInferenceStrategy).
 */
export class ScoreRunner {
  private constructor(
    readonly model: LoadedModel,
    readonly numVirtualTokens: number,
    readonly dtype: 'float32' | 'float64',
    private readonly session: GraphSession | LayerwiseForward,
  ) {}

  static async create(model: LoadedModel, numVirtualTokens: number, opts: { dtype: 'float32' | 'float64'; provider?: ProviderName; strategy?: StepStrategy | 'auto'; hostWeightBudget?: number; precision?: 'fp32' | 'fp16' }): Promise<ScoreRunner> {
    const { strategy, ...budget } = chooseInference(model, opts);
    const sessionOpts = { dtype: opts.dtype, ...(opts.provider ? { provider: opts.provider } : {}), ...(opts.precision ? { precision: opts.precision } : {}), ...budget };
    if (strategy === 'layerwise') return new ScoreRunner(model, numVirtualTokens, opts.dtype, await LayerwiseForward.create(model, numVirtualTokens, sessionOpts));
    const graph = buildScoreGraph(model, { numVirtualTokens, dtype: opts.dtype });
    const session = await createModelSession(graph, model.dir, sessionOpts);
    return new ScoreRunner(model, numVirtualTokens, opts.dtype, session);
  }

  private async labelLogprobs(prompt: SoftPrompt | undefined, chunk: readonly TokenizedExample[]): Promise<ArrayLike<number>> {
    if (this.session instanceof LayerwiseForward) return this.session.labelLogprobs(prompt, chunk, padIdOf(this.model));
    const batch = labelledBatch(this.model.spec, this.numVirtualTokens, chunk, padIdOf(this.model));
    const res = await this.session.run({
      ...batch.feeds,
      ...(prompt ? { [INPUT.prompt]: tensor(this.dtype, [prompt.numVirtualTokens, prompt.dim], this.dtype === 'float32' ? Float32Array.from(prompt.data) : prompt.data) } : {}),
    });
    return res[SCORE_OUTPUT]!.data as Float32Array | Float64Array;
  }

  /** Scores examples in batches; result i belongs to examples[i]. */
  async score(prompt: SoftPrompt | undefined, examples: readonly TokenizedExample[], batchSize: number): Promise<ExampleScore[]> {
    const out: ExampleScore[] = [];
    for (let i = 0; i < examples.length; i += batchSize) {
      const chunk = examples.slice(i, i + batchSize);
      const lp = await this.labelLogprobs(prompt, chunk);
      // labelledBatch emits label rows example by example, in order.
      let k = 0;
      for (const ex of chunk) {
        const count = ex.ids.length - Math.max(ex.labelStart, 1);
        let sum = 0;
        for (let j = 0; j < count; j++) sum += lp[k++]!;
        out.push({ logprob: sum, tokens: count });
      }
    }
    return out;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
