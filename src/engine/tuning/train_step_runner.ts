import type { TokenizedExample } from '../data/example.js';
import { labelledBatch } from '../graphs/feeds.js';
import { buildTrainStepGraph, LOSS_SCALE_INPUT, TRAIN_OUTPUT } from '../graphs/train_step.js';
import { INPUT } from '../graphs/transformer.js';
import { LayerwiseTrainStep } from '../layerwise/train_step.js';
import type { LoadedModel } from '../models/load_model.js';
import { chooseTrain, describeChoice } from '../layerwise/device_plan.js';
import { shouldPrepack, type StepWorkload, type TrainStrategy } from '../layerwise/strategy.js';
import { createModelSession } from '../runtime/model_session.js';
import { tensor, type GraphSession, type HostTensor, type ProviderName } from '../runtime/session.js';
import type { SoftPrompt } from './soft_prompt.js';

export interface LossAndGrad {
  /** Token-level mean cross-entropy over all label tokens given. */
  loss: number;
  grad: Float64Array;
  numLabelTokens: number;
}

export interface ComputeOptions {
  dtype: 'float32' | 'float64';
  provider?: ProviderName;
  /** 'fp16': mixed precision (onnx/half_precision.ts) on every graph of the step; default 'fp32'. */
  precision?: 'fp32' | 'fp16';
  /** Let onnxruntime keep pre-packed copies of the weights (default: shouldPrepack). */
  prepack?: boolean;
  /**
   * 'keep': one whole-model graph that keeps every activation for the backward;
   * 'layerwise-saved' / 'layerwise-recompute': one layer at a time (streamed weights, chunked
   * LM head; src/engine/layerwise), the backward fed the forward's weight products or
   * recomputing each layer; 'auto' (default): chooseTrain (layerwise/device_plan.ts).
   */
  strategy?: TrainStrategy | 'auto';
  /** The batch shape the runner will see, so 'auto' can estimate the keep-everything peak. */
  workload?: StepWorkload;
  /** layer-wise only: label rows per LM-head chunk (default: from a 64 MiB logit budget). */
  headChunkRows?: number;
  /** layer-wise only: vocabulary entries per slice of the LM head (default: from a 32 MiB budget). */
  headSliceRows?: number;
  /** layer-wise on WebGPU: device bytes the weights may keep between runs (default: from the device's free memory, layerwise/device_plan.ts). */
  deviceWeightBudget?: number;
  /**
   * layer-wise on the CPU: host bytes the weights may keep between runs instead of being read
   * from the files on every run (runtime/weight_feeder.ts); default: the memory plan's
   * (memory_estimate.ts hostWeightBudgetFor: all of them where they fit, else none).
   */
  hostWeightBudget?: number;
  /** onnxruntime memory levers (bench/README.md, "Memory"); onnxruntime's defaults if unset. */
  cpuMemArena?: boolean;
  memPattern?: boolean;
}

interface StepImpl {
  step(prompt: SoftPrompt, examples: readonly TokenizedExample[], lossScale: number): Promise<LossAndGrad>;
  release(): Promise<void>;
}

/** The keep-everything step: one whole-model train-step graph (graphs/train_step.ts). */
class WholeGraphStep implements StepImpl {
  constructor(
    private readonly model: LoadedModel,
    private readonly numVirtualTokens: number,
    private readonly dtype: 'float32' | 'float64',
    private readonly session: GraphSession,
  ) {}

  async step(prompt: SoftPrompt, examples: readonly TokenizedExample[], lossScale: number): Promise<LossAndGrad> {
    const batch = labelledBatch(this.model.spec, this.numVirtualTokens, examples, padIdOf(this.model));
    const data = this.dtype === 'float32' ? Float32Array.from(prompt.data) : prompt.data;
    const scaled = this.session.inputNames.includes(LOSS_SCALE_INPUT);
    const feeds: Record<string, HostTensor> = { ...batch.feeds, [INPUT.prompt]: tensor(this.dtype, [prompt.numVirtualTokens, prompt.dim], data) };
    if (scaled) feeds[LOSS_SCALE_INPUT] = tensor('float32', [], Float32Array.of(lossScale));
    const out = await this.session.run(feeds);
    const grad = Float64Array.from(out[TRAIN_OUTPUT.grad]!.data as Float32Array);
    if (scaled && lossScale !== 1) for (let i = 0; i < grad.length; i++) grad[i] = grad[i]! / lossScale;
    return { loss: Number(out[TRAIN_OUTPUT.loss]!.data[0]), grad, numLabelTokens: batch.numLabelTokens };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** A compiled train step for one model and prompt length: keep-everything or layer-wise (saved products or recomputation). */
export class TrainStepRunner {
  private constructor(
    readonly model: LoadedModel,
    readonly numVirtualTokens: number,
    readonly dtype: 'float32' | 'float64',
    readonly strategy: TrainStrategy,
    private readonly impl: StepImpl,
    /** Where the step runs, for the run's log (layerwise/device_plan.ts describeChoice). */
    readonly placement: string,
  ) {}

  static async create(model: LoadedModel, numVirtualTokens: number, opts: ComputeOptions): Promise<TrainStepRunner> {
    const choice = chooseTrain(model, numVirtualTokens, opts);
    const { strategy, deviceWeightBudget, hostWeightBudget } = choice;
    const sessionOpts = {
      dtype: opts.dtype,
      ...(opts.provider ? { provider: opts.provider } : {}),
      ...(opts.precision ? { precision: opts.precision } : {}),
      ...(opts.cpuMemArena !== undefined ? { cpuMemArena: opts.cpuMemArena } : {}),
      ...(opts.memPattern !== undefined ? { memPattern: opts.memPattern } : {}),
      ...(deviceWeightBudget !== undefined ? { deviceWeightBudget } : {}),
      ...(hostWeightBudget !== undefined ? { hostWeightBudget } : {}),
    };
    let impl: StepImpl;
    if (strategy !== 'keep') {
      const backward = strategy === 'layerwise-saved' ? 'saved' : 'recompute';
      const lw = await LayerwiseTrainStep.create(model, numVirtualTokens, { ...sessionOpts, backward, ...(opts.headChunkRows ? { headChunkRows: opts.headChunkRows } : {}), ...(opts.headSliceRows ? { headSliceRows: opts.headSliceRows } : {}) });
      const padId = padIdOf(model);
      impl = { step: (prompt, examples, lossScale) => lw.step(prompt, examples, padId, lossScale), release: () => lw.release() };
    } else {
      const graph = buildTrainStepGraph(model, { numVirtualTokens, dtype: opts.dtype, lossScale: opts.precision === 'fp16' });
      const prepack = opts.prepack ?? shouldPrepack(model);
      impl = new WholeGraphStep(model, numVirtualTokens, opts.dtype, await createModelSession(graph, model.dir, { ...sessionOpts, prepack }));
    }
    return new TrainStepRunner(model, numVirtualTokens, opts.dtype, strategy, impl, describeChoice(choice));
  }

  /**
   * Loss and gradient for one batch. `lossScale` (half precision): the backward runs on
   * loss × lossScale and the gradient is divided back in float64; a float16 overflow shows as
   * a non-finite gradient (tuning/loss_scaling.ts).
   */
  step(prompt: SoftPrompt, examples: readonly TokenizedExample[], lossScale = 1): Promise<LossAndGrad> {
    return this.impl.step(prompt, examples, lossScale);
  }

  /**
   * Loss and gradient over many examples in batches of `batchSize`: the token-level mean
   * over all their label tokens (each batch weighted by its share of label tokens).
   */
  async lossAndGrad(prompt: SoftPrompt, examples: readonly TokenizedExample[], batchSize: number): Promise<LossAndGrad> {
    const parts: LossAndGrad[] = [];
    for (let i = 0; i < examples.length; i += batchSize) parts.push(await this.step(prompt, examples.slice(i, i + batchSize)));
    return combineByLabelTokens(parts, prompt.data.length);
  }

  async release(): Promise<void> {
    await this.impl.release();
  }
}

/**
 * Batches combined as one: each weighted by its share of label tokens, so the loss and
 * gradient are the token-level mean over all of them (gradient accumulation, `sps grad`).
 */
export function combineByLabelTokens(parts: readonly LossAndGrad[], size: number): LossAndGrad {
  const total = parts.reduce((a, p) => a + p.numLabelTokens, 0);
  const grad = new Float64Array(size);
  let loss = 0;
  for (const p of parts) {
    const w = p.numLabelTokens / total;
    loss += w * p.loss;
    for (let j = 0; j < size; j++) grad[j] = grad[j]! + w * p.grad[j]!;
  }
  return { loss, grad, numLabelTokens: total };
}

/** Padding positions are masked out, so any valid id works; prefer the model's own pad/eos. */
export function padIdOf(model: LoadedModel): number {
  const pad = model.config.pad_token_id;
  if (typeof pad === 'number' && pad >= 0 && pad < model.spec.vocabSize) return pad;
  return 0;
}
