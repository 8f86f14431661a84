import type { TokenizedExample } from '../data/example.js';
import { labelledBatch } from '../graphs/feeds.js';
import { rowCount } from '../graphs/rows.js';
import { INPUT } from '../graphs/transformer.js';
import type { LoadedModel } from '../models/load_model.js';
import type { ModelSessionOptions } from '../runtime/model_session.js';
import { WeightFeeder } from '../runtime/weight_feeder.js';
import type { SoftPrompt } from '../tuning/soft_prompt.js';
import { HeadChunks, type HeadSizes } from './head_chunks.js';
import { HostEmbedding } from './host_embedding.js';
import { LayerStack, type BackwardMode } from './layer_stack.js';

export interface StepResult {
  loss: number;
  grad: Float64Array;
  numLabelTokens: number;
}

/**
 * The train step with memory bounded by one layer (issue 9): the forward runs layer by layer
 * keeping only each layer's input hidden state; the last layer's output projection and MLP run
 * on the label rows alone (nothing else reaches the loss); the LM head and loss run over the
 * label rows in chunks; the backward re-runs one layer's forward and backward at a time from the top, fed the
 * saved input and the upstream gradient. Weights are streamed from the safetensors files one
 * layer at a time and never held for the whole model. Same loss and gradient as the
 * whole-model graph (train_step.ts), to rounding.
 *
 * Backward modes (LayerStack): 'recompute' re-runs each block's forward (≈ +1/3 of a step);
 * 'saved' keeps the blocks' weight products from the forward (more memory: layers × tokens ×
 * (q + k + v + o + 2 · intermediate) floats) and recomputes only their element-wise rest.
 */
export class LayerwiseTrainStep {
  private constructor(
    readonly model: LoadedModel,
    readonly numVirtualTokens: number,
    readonly dtype: 'float32' | 'float64',
    private readonly feeder: WeightFeeder,
    private readonly embedding: HostEmbedding,
    private readonly layers: LayerStack,
    private readonly head: HeadChunks,
  ) {}

  static async create(model: LoadedModel, numVirtualTokens: number, opts: ModelSessionOptions & HeadSizes & { backward: BackwardMode }): Promise<LayerwiseTrainStep> {
    const feeder = new WeightFeeder(opts);
    const layers = await LayerStack.create(model, feeder, { ...opts, numVirtualTokens, outputRows: true });
    const head = await HeadChunks.create(model, feeder, { ...opts, grad: true });
    return new LayerwiseTrainStep(model, numVirtualTokens, opts.dtype, feeder, new HostEmbedding(model), layers, head);
  }

  /** `lossScale`: the backward runs on loss × lossScale (half precision); the gradient returned is unscaled. */
  async step(prompt: SoftPrompt, examples: readonly TokenizedExample[], padId: number, lossScale = 1): Promise<StepResult> {
    const n = this.numVirtualTokens;
    const d = this.model.spec.hiddenSize;
    const batch = labelledBatch(this.model.spec, n, examples, padId);
    const [B, L] = batch.feeds[INPUT.ids]!.dims as [number, number];
    const ids = Array.from(batch.feeds[INPUT.ids]!.data as BigInt64Array, Number);
    const h0 = this.embedding.embed(prompt.data, n, ids, B, L, this.dtype);
    // The label rows: the last layer runs on these alone where they are few, and the head then reads its output in order.
    const labelRows = batch.feeds[INPUT.positions]!;
    const labels = Array.from(batch.feeds[INPUT.labels]!.data as BigInt64Array);
    const K = labels.length;
    const saved = await this.layers.forwardAll(h0, batch.feeds[INPUT.mask]!, true, this.layers.keepsRows(K, rowCount(n, B, L)) ? labelRows : undefined);
    const topRows = saved.rows ? labels.map((_, k) => k) : Array.from(labelRows.data as BigInt64Array, Number);
    const { lossSum, grad: gradTop } = await this.head.lossAndGrad(saved.top, topRows, labels, lossScale / K);
    const gradH0 = await this.layers.backwardAll(saved, gradTop);
    // The prompt's rows are h0's first n (graphs/rows.ts): the batch's sum is already in them.
    const grad = new Float64Array(n * d);
    for (let i = 0; i < n * d; i++) grad[i] = gradH0[i]! / lossScale;
    return { loss: lossSum / K, grad, numLabelTokens: K };
  }

  /** Bytes of weights held on the host now (one layer's tensors plus the head). */
  get residentWeightBytes(): number {
    return this.feeder.hostBytes;
  }

  /** Bytes of weights kept in device memory (WebGPU; 0 on the CPU provider). */
  get deviceWeightBytes(): number {
    return this.feeder.deviceBytes;
  }

  async release(): Promise<void> {
    await this.layers.release();
    await this.head.release();
    this.feeder.close();
  }
}
