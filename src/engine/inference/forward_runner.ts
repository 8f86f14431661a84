import { SpsError } from '../../shared/errors.js';
import { buildForwardGraph } from '../graphs/forward.js';
import { positionRow } from '../graphs/rows.js';
import { INPUT } from '../graphs/transformer.js';
import { LayerwiseForward } from '../layerwise/forward_stack.js';
import { chooseInference } from '../layerwise/device_plan.js';
import type { StepStrategy } from '../layerwise/strategy.js';
import type { LoadedModel } from '../models/load_model.js';
import { createModelSession } from '../runtime/model_session.js';
import { tensor, type GraphSession, type HostTensor, type ProviderName } from '../runtime/session.js';
import type { SoftPrompt } from '../tuning/soft_prompt.js';
import { padIdOf } from '../tuning/train_step_runner.js';

/** Logits of selected positions of a right-padded batch, with or without a soft prompt. */
export class ForwardRunner {
  private constructor(
    readonly model: LoadedModel,
    readonly numVirtualTokens: number,
    readonly dtype: 'float32' | 'float64',
    private readonly session: GraphSession | LayerwiseForward,
  ) {}

  /** A whole-model forward graph, or layer by layer when that would not fit (chooseInferenceStrategy). */
  static async create(model: LoadedModel, numVirtualTokens: number, opts: { dtype: 'float32' | 'float64'; provider?: ProviderName; strategy?: StepStrategy | 'auto'; hostWeightBudget?: number; precision?: 'fp32' | 'fp16' }): Promise<ForwardRunner> {
    const { strategy, ...budget } = chooseInference(model, opts);
    const sessionOpts = { dtype: opts.dtype, ...(opts.provider ? { provider: opts.provider } : {}), ...(opts.precision ? { precision: opts.precision } : {}), ...budget };
    if (strategy === 'layerwise') return new ForwardRunner(model, numVirtualTokens, opts.dtype, await LayerwiseForward.create(model, numVirtualTokens, sessionOpts));
    const graph = buildForwardGraph(model, { numVirtualTokens, dtype: opts.dtype });
    const session = await createModelSession(graph, model.dir, sessionOpts);
    return new ForwardRunner(model, numVirtualTokens, opts.dtype, session);
  }

  /**
   * Logits [K, V] for the K (sequence, position) pairs; a position counts tokens only
   * (0 = first token; negative: the prompt's rows), the prompt offset is added here.
   */
  async logits(prompt: SoftPrompt | undefined, sequences: readonly number[][], at: readonly [number, number][]): Promise<{ data: Float32Array | Float64Array; vocab: number }> {
    const n = this.numVirtualTokens;
    if ((prompt?.numVirtualTokens ?? 0) !== n) throw new SpsError('INTERNAL', `forward graph built for ${n} virtual tokens, got a prompt of ${prompt?.numVirtualTokens ?? 0}`);
    const max = this.model.spec.maxPositions;
    const B = sequences.length;
    const L = Math.max(...sequences.map((s) => s.length));
    if (n + L > max) {
      throw new SpsError('SEQUENCE_TOO_LONG', `the sequence needs ${n + L} positions (${n} virtual tokens + ${L} tokens), more than the model's context of ${max}`, { hint: 'use a shorter text or fewer new tokens' });
    }
    const ids = new BigInt64Array(B * L).fill(BigInt(padIdOf(this.model)));
    const mask = new BigInt64Array(B * L);
    sequences.forEach((s, b) => s.forEach((id, j) => {
      ids[b * L + j] = BigInt(id);
      mask[b * L + j] = 1n;
    }));
    const positions = BigInt64Array.from(at.map(([b, j]) => BigInt(positionRow(n, L, b, n + j))));
    if (this.session instanceof LayerwiseForward) {
      const data = await this.session.logitsAt(prompt, ids, mask, B, L, Array.from(positions, Number));
      return { data, vocab: this.model.spec.vocabSize };
    }
    const feeds: Record<string, HostTensor> = {
      [INPUT.ids]: tensor('int64', [B, L], ids),
      [INPUT.mask]: tensor('int64', [B, L], mask),
      [INPUT.positions]: tensor('int64', [at.length], positions),
    };
    if (prompt) feeds[INPUT.prompt] = tensor(this.dtype, [n, prompt.dim], this.dtype === 'float32' ? Float32Array.from(prompt.data) : prompt.data);
    const out = await this.session.run(feeds);
    return { data: out.logits!.data as Float32Array | Float64Array, vocab: this.model.spec.vocabSize };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
