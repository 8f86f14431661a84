import { freemem, totalmem } from 'node:os';
import { estimateInferenceMemory, hostWeightBudgetFor, inferenceHostWeightBudget, KEEP_SHARE, planTrainMemory, prepackFits, type TrainMemoryPlan, type TrainStrategy } from '../../shared/memory_estimate.js';
import type { LoadedModel } from '../models/load_model.js';
import { memoryShapeOf } from '../models/memory_shape.js';

/**
 * Forward-only passes (scoring, logits, generation). 'keep': one whole-model graph (weights
 * mapped and, for half weights, cast once to float32); 'layerwise': one layer at a time with
 * streamed weights (src/engine/layerwise). Train steps choose among three (TrainStrategy).
 */
export type StepStrategy = 'keep' | 'layerwise';

export type { TrainStrategy };

export interface StepWorkload {
  batch: number;
  /** Longest sequence in tokens (without the virtual tokens). */
  seqLen: number;
  /** Labelled rows per batch (at most batch × seqLen). */
  labelRows: number;
}

export interface MachineMemory {
  free: number;
  total: number;
}

/** The batch a strategy is chosen for when the caller does not say. */
export const DEFAULT_WORKLOAD: StepWorkload = { batch: 8, seqLen: 256, labelRows: 8 * 256 };

const machine = (): MachineMemory => ({ free: freemem(), total: totalmem() });

/**
 * The train step's strategy from the estimated peaks and the machine's free memory (rule and
 * reasons in src/shared/memory_estimate.ts planTrainMemory, so the wizard shows the same choice).
 */
export function chooseTrainStrategy(model: LoadedModel, numVirtualTokens: number, workload: StepWorkload | undefined, memory = machine()): TrainStrategy {
  return planTrain(model, numVirtualTokens, workload, memory).strategy;
}

/** The whole plan behind chooseTrainStrategy: the strategy, its estimate and the host weight budget. */
export function planTrain(model: LoadedModel, numVirtualTokens: number, workload: StepWorkload | undefined, memory = machine()): TrainMemoryPlan {
  const w = workload ?? DEFAULT_WORKLOAD;
  return planTrainMemory(memoryShapeOf(model), { ...w, virtualTokens: numVirtualTokens }, { freeBytes: memory.free, totalBytes: memory.total });
}

/** Host bytes a layer-wise step of a given strategy may keep its weights in (memory_estimate.ts hostWeightBudgetFor). */
export function trainHostWeightBudget(model: LoadedModel, numVirtualTokens: number, strategy: TrainStrategy, workload: StepWorkload | undefined, memory = machine()): number {
  const w = workload ?? DEFAULT_WORKLOAD;
  return hostWeightBudgetFor(memoryShapeOf(model), { ...w, virtualTokens: numVirtualTokens, strategy }, { freeBytes: memory.free });
}

/** The same rule for forward-only graphs (scoring, logits, generation). */
export function chooseInferenceStrategy(model: LoadedModel, memory = machine()): StepStrategy {
  const keep = estimateInferenceMemory(memoryShapeOf(model), { strategy: 'keep', prepack: true });
  return keep.totalBytes < memory.free * KEEP_SHARE ? 'keep' : 'layerwise';
}

/** Host bytes layer-wise inference may keep its weights in between runs (memory_estimate.ts inferenceHostWeightBudget). */
export function inferenceWeightBudget(model: LoadedModel, memory = machine()): number {
  return inferenceHostWeightBudget(memoryShapeOf(model), { freeBytes: memory.free });
}

/**
 * Pre-packing keeps about two packed copies of every weight (one per matmul direction) for a
 * faster step: on a SmolLM2-135M shape 1–18% faster over three runs, for +620 MB peak memory
 * (bench/README.md). Worth it while those copies stay a small part of the machine's memory;
 * for large models memory wins.
 */
export function shouldPrepack(model: LoadedModel, totalMemory = totalmem()): boolean {
  return prepackFits(memoryShapeOf(model), totalMemory);
}
