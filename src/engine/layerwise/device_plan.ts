import { estimateInferenceMemory, estimateTrainMemory, KEEP_SHARE, planTrainMemory, type MemoryShape, type TrainMemoryPlan } from '../../shared/memory_estimate.js';
import type { LoadedModel } from '../models/load_model.js';
import { memoryShapeOf } from '../models/memory_shape.js';
import { deviceMemory, type DeviceMemory } from '../runtime/device_memory.js';
import type { ProviderName } from '../runtime/session.js';
import { chooseInferenceStrategy, DEFAULT_WORKLOAD, planTrain, inferenceWeightBudget, trainHostWeightBudget, type StepStrategy, type StepWorkload, type TrainStrategy } from './strategy.js';

/**
 * On a GPU the memory that decides is the device's (runtime/device_memory.ts): the same rule
 * as on the host (planTrainMemory: keep everything when tiny, else layer by layer with saved
 * products while they take under half, else recomputing), judged against the device's free
 * memory, plus how many bytes of weights the layer-wise passes may keep on the device between
 * runs (runtime/weight_feeder.ts): what the step's own estimate leaves, less a margin. Without
 * that budget every weight stays once uploaded, and a model larger than the card (a 7B model's
 * float32 weights are 28 GiB) runs out of device memory part-way through the first step.
 */
export interface DevicePlan<S> {
  strategy: S;
  /** Bytes of weights the layer-wise passes may keep on the device (Infinity: no limit). */
  deviceWeightBudget: number;
  memory: DeviceMemory;
  /** The estimated peak fits the device's free memory. */
  fits: boolean;
}

/** Left free for onnxruntime's own buffers, the head's slices and the device's other users. */
export const DEVICE_MARGIN_BYTES = 512 * 2 ** 20;

const budgetLeft = (memory: DeviceMemory, used: number): number => Math.max(0, memory.freeBytes - used - DEVICE_MARGIN_BYTES);

/** Whether the provider computes in memory of its own (a GPU), not the host's. */
export const hasDeviceMemory = (provider: ProviderName | undefined): provider is ProviderName => provider !== undefined && provider !== 'cpu';

export function planDeviceTrain(shape: MemoryShape, numVirtualTokens: number, workload: StepWorkload, memory: DeviceMemory): DevicePlan<TrainStrategy> & { estimate: TrainMemoryPlan['estimate'] } {
  const w = { ...workload, virtualTokens: numVirtualTokens };
  const plan = planTrainMemory(shape, w, { freeBytes: memory.freeBytes, totalBytes: memory.totalBytes });
  if (plan.strategy === 'keep') return { strategy: 'keep', deviceWeightBudget: Infinity, memory, fits: plan.fits, estimate: plan.estimate };
  // The step's own memory with its weights streamed (the plan's may count weights kept on the
  // host, which on a GPU is what this budget decides instead).
  const estimate = estimateTrainMemory(shape, { ...w, strategy: plan.strategy });
  return { strategy: plan.strategy, deviceWeightBudget: budgetLeft(memory, estimate.totalBytes), memory, fits: estimate.totalBytes <= memory.freeBytes, estimate };
}

/** The same for forward-only passes (scoring, logits, generation): one layer's activations. */
export function planDeviceInference(shape: MemoryShape, memory: DeviceMemory): DevicePlan<StepStrategy> {
  const keep = estimateInferenceMemory(shape, { strategy: 'keep' });
  if (keep.totalBytes < memory.freeBytes * KEEP_SHARE) return { strategy: 'keep', deviceWeightBudget: Infinity, memory, fits: true };
  const layerwise = estimateInferenceMemory(shape, { strategy: 'layerwise' });
  return { strategy: 'layerwise', deviceWeightBudget: budgetLeft(memory, layerwise.totalBytes), memory, fits: layerwise.totalBytes <= memory.freeBytes };
}

/**
 * What a runner runs with: the strategy; on the CPU the bytes of weights the layer-wise passes
 * may keep on the host (memory_estimate.ts hostWeightBudgetFor); on a GPU the weights' device
 * budget and the memory it came from.
 */
export interface RunnerChoice<S> {
  strategy: S;
  hostWeightBudget?: number;
  deviceWeightBudget?: number;
  memory?: DeviceMemory;
}

/** One line for the run's log: where the step runs and what stays on the device. */
export function describeChoice(choice: RunnerChoice<string>): string {
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
  if (!choice.memory) return `train step: ${choice.strategy}${choice.hostWeightBudget ? `; weights kept in memory (up to ${gib(choice.hostWeightBudget)})` : ''}`;
  const weights = choice.deviceWeightBudget === undefined ? 'weights kept on the device' : `weights kept on the device up to ${gib(choice.deviceWeightBudget)}, the rest fed from the host`;
  return `train step: ${choice.strategy}; ${weights} (${gib(choice.memory.freeBytes)} free on the device, from ${choice.memory.source})`;
}

const withBudget = (budget: number): { deviceWeightBudget?: number } => (Number.isFinite(budget) ? { deviceWeightBudget: budget } : {});

/**
 * The train step's strategy ('auto': from the memory that decides, the host's or the GPU's)
 * and, on a GPU, the weights' device budget (unless given).
 */
export function chooseTrain(model: LoadedModel, numVirtualTokens: number, opts: { provider?: ProviderName; strategy?: TrainStrategy | 'auto'; workload?: StepWorkload; deviceWeightBudget?: number; hostWeightBudget?: number }): RunnerChoice<TrainStrategy> {
  const auto = !opts.strategy || opts.strategy === 'auto';
  if (!hasDeviceMemory(opts.provider)) {
    if (auto) {
      const plan = planTrain(model, numVirtualTokens, opts.workload);
      return { strategy: plan.strategy, hostWeightBudget: opts.hostWeightBudget ?? plan.hostWeightBudget };
    }
    const strategy = opts.strategy as TrainStrategy;
    return { strategy, hostWeightBudget: opts.hostWeightBudget ?? trainHostWeightBudget(model, numVirtualTokens, strategy, opts.workload) };
  }
  const plan = planDeviceTrain(memoryShapeOf(model), numVirtualTokens, opts.workload ?? DEFAULT_WORKLOAD, deviceMemory(opts.provider));
  return { strategy: auto ? plan.strategy : (opts.strategy as TrainStrategy), ...withBudget(opts.deviceWeightBudget ?? plan.deviceWeightBudget), memory: plan.memory };
}

/** The same for forward-only runners (scoring, logits, generation). */
export function chooseInference(model: LoadedModel, opts: { provider?: ProviderName; strategy?: StepStrategy | 'auto'; hostWeightBudget?: number }): RunnerChoice<StepStrategy> {
  const auto = !opts.strategy || opts.strategy === 'auto';
  if (!hasDeviceMemory(opts.provider)) {
    const strategy = auto ? chooseInferenceStrategy(model) : (opts.strategy as StepStrategy);
    return { strategy, hostWeightBudget: strategy === 'layerwise' ? (opts.hostWeightBudget ?? inferenceWeightBudget(model)) : 0 };
  }
  const plan = planDeviceInference(memoryShapeOf(model), deviceMemory(opts.provider));
  return { strategy: auto ? plan.strategy : (opts.strategy as StepStrategy), ...withBudget(plan.deviceWeightBudget) };
}
