import { SpsError } from '../../shared/errors.js';
import type { TokenizedExample } from '../data/example.js';
import { labelledBatch } from '../graphs/feeds.js';
import { INPUT } from '../graphs/transformer.js';
import type { LoadedModel } from '../models/load_model.js';
import type { ModelSessionOptions } from '../runtime/model_session.js';
import { tensor } from '../runtime/session.js';
import { WeightFeeder } from '../runtime/weight_feeder.js';
import type { SoftPrompt } from '../tuning/soft_prompt.js';
import { HeadChunks } from './head_chunks.js';
import { HostEmbedding, type HiddenArray } from './host_embedding.js';
import { LayerStack } from './layer_stack.js';

/**
 * Forward-only passes layer by layer (evaluation scores, logits at chosen positions), with
 * weights streamed as in the layer-wise train step: the inference counterpart of
 * LayerwiseTrainStep, for models whose whole-model graph would not fit.
 */
export class LayerwiseForward {
  private constructor(
    readonly model: LoadedModel,
    readonly numVirtualTokens: number,
    readonly dtype: 'float32' | 'float64',
    private readonly feeder: WeightFeeder,
    private readonly embedding: HostEmbedding,
    private readonly layers: LayerStack,
    private readonly head: HeadChunks,
  ) {}

  static async create(model: LoadedModel, numVirtualTokens: number, opts: ModelSessionOptions): Promise<LayerwiseForward> {
    const feeder = new WeightFeeder(opts);
    const layers = await LayerStack.create(model, feeder, { ...opts, backward: false, numVirtualTokens });
    const head = await HeadChunks.create(model, feeder, { ...opts, grad: false });
    return new LayerwiseForward(model, numVirtualTokens, opts.dtype, feeder, new HostEmbedding(model), layers, head);
  }

  private async top(prompt: SoftPrompt | undefined, ids: BigInt64Array, tokenMask: BigInt64Array, B: number, L: number): Promise<HiddenArray> {
    const n = this.numVirtualTokens;
    if ((prompt?.numVirtualTokens ?? 0) !== n) throw new SpsError('INTERNAL', `layer-wise forward built for ${n} virtual tokens, got a prompt of ${prompt?.numVirtualTokens ?? 0}`);
    const h0 = this.embedding.embed(prompt?.data, n, Array.from(ids, Number), B, L, this.dtype);
    return (await this.layers.forwardAll(h0, tensor('int64', [B, L], tokenMask), false)).top;
  }

  /** log p(label token) at every label row of the batch, in labelledBatch's row order. */
  async labelLogprobs(prompt: SoftPrompt | undefined, examples: readonly TokenizedExample[], padId: number): Promise<Float64Array> {
    const batch = labelledBatch(this.model.spec, this.numVirtualTokens, examples, padId);
    const [B, L] = batch.feeds[INPUT.ids]!.dims as [number, number];
    const top = await this.top(prompt, batch.feeds[INPUT.ids]!.data as BigInt64Array, batch.feeds[INPUT.mask]!.data as BigInt64Array, B, L);
    return this.head.logprobs(top, Array.from(batch.feeds[INPUT.positions]!.data as BigInt64Array, Number), Array.from(batch.feeds[INPUT.labels]!.data as BigInt64Array));
  }

  /** Logits [K, V] at rows (graphs/rows.ts) of a right-padded batch. */
  async logitsAt(prompt: SoftPrompt | undefined, ids: BigInt64Array, tokenMask: BigInt64Array, B: number, L: number, rows: readonly number[]): Promise<HiddenArray> {
    const top = await this.top(prompt, ids, tokenMask, B, L);
    return this.logitsOfRows(top, rows);
  }

  /** Final norm + LM head over rows of final hidden states, vocabulary slice by slice. */
  logitsOfRows(top: HiddenArray, rows: readonly number[]): Promise<HiddenArray> {
    return this.head.logits(top, rows);
  }

  async release(): Promise<void> {
    await this.layers.release();
    await this.head.release();
    this.feeder.close();
  }
}
