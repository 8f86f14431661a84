import { SpsError } from '../../shared/errors.js';
import type { TokenizedExample } from '../data/example.js';
import { labelledBatch } from '../graphs/feeds.js';
import { rowCount } from '../graphs/rows.js';
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
    const layers = await LayerStack.create(model, feeder, { ...opts, backward: false, numVirtualTokens, outputRows: true });
    const head = await HeadChunks.create(model, feeder, { ...opts, grad: false });
    return new LayerwiseForward(model, numVirtualTokens, opts.dtype, feeder, new HostEmbedding(model), layers, head);
  }

  /**
   * The final hidden states for `rows` (graphs/rows.ts) and where each row is in them: the last
   * layer runs on those rows alone where they are few (LayerStack.keepsRows; the top is then
   * [K, d] in their order), else the top is every row.
   */
  private async topFor(prompt: SoftPrompt | undefined, ids: BigInt64Array, tokenMask: BigInt64Array, B: number, L: number, rows: BigInt64Array): Promise<{ top: HiddenArray; at: number[] }> {
    const n = this.numVirtualTokens;
    if ((prompt?.numVirtualTokens ?? 0) !== n) throw new SpsError('INTERNAL', `layer-wise forward built for ${n} virtual tokens, got a prompt of ${prompt?.numVirtualTokens ?? 0}`);
    const h0 = this.embedding.embed(prompt?.data, n, Array.from(ids, Number), B, L, this.dtype);
    const keep = this.layers.keepsRows(rows.length, rowCount(n, B, L));
    const { top } = await this.layers.forwardAll(h0, tensor('int64', [B, L], tokenMask), false, keep ? tensor('int64', [rows.length], rows) : undefined);
    return { top, at: keep ? Array.from(rows, (_, k) => k) : Array.from(rows, Number) };
  }

  /** log p(label token) at every label row of the batch, in labelledBatch's row order. */
  async labelLogprobs(prompt: SoftPrompt | undefined, examples: readonly TokenizedExample[], padId: number): Promise<Float64Array> {
    const batch = labelledBatch(this.model.spec, this.numVirtualTokens, examples, padId);
    const [B, L] = batch.feeds[INPUT.ids]!.dims as [number, number];
    const labels = Array.from(batch.feeds[INPUT.labels]!.data as BigInt64Array);
    if (labels.length === 0) return new Float64Array(0);
    const { top, at } = await this.topFor(prompt, batch.feeds[INPUT.ids]!.data as BigInt64Array, batch.feeds[INPUT.mask]!.data as BigInt64Array, B, L, batch.feeds[INPUT.positions]!.data as BigInt64Array);
    return this.head.logprobs(top, at, labels);
  }

  /** Logits [K, V] at rows (graphs/rows.ts) of a right-padded batch. */
  async logitsAt(prompt: SoftPrompt | undefined, ids: BigInt64Array, tokenMask: BigInt64Array, B: number, L: number, rows: readonly number[]): Promise<HiddenArray> {
    if (rows.length === 0) return this.head.logits(new Float32Array(0), []);
    const { top, at } = await this.topFor(prompt, ids, tokenMask, B, L, BigInt64Array.from(rows, BigInt));
    return this.head.logits(top, at);
  }

  async release(): Promise<void> {
    await this.layers.release();
    await this.head.release();
    this.feeder.close();
  }
}
