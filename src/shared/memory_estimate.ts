/**
 * Peak memory of a train step, estimated from the model's shape and the batch (issue 9). One
 * formula for the engine (which strategy to run) and the wizard (the estimate shown before
 * launch, and the warning when a job will not fit). Constants are fitted to the peaks measured
 * by `npm run bench` (bench/README.md, "Memory model"); float32 compute on the CPU provider.
 */

/** What the estimate needs to know about a model. */
export interface MemoryShape {
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  intermediateSize: number;
  vocabSize: number;
  tiedEmbeddings: boolean;
  /** Bytes per stored weight element: 4 (F32), 2 (F16/BF16). */
  storedBytesPerParam: number;
  /** Parameters in total. */
  parameters: number;
  /**
   * Bytes per weight element as fed to the layer-wise sessions: 4 for F32 and BF16 (widened on
   * the host), 2 for F16. Default 4.
   */
  feedBytesPerParam?: number;
}

/**
 * How a train step runs (src/engine/layerwise): 'keep' — one whole-model graph keeping every
 * activation; 'layerwise-saved' — layer by layer, keeping each layer's input and what its
 * forward computed (the o, gate and up products; queries, keys and values after RoPE, as many
 * floats as the q, k, v products) for the backward; 'layerwise-recompute' — layer by layer,
 * keeping only each layer's input and recomputing the layer in the backward.
 */
export type TrainStrategy = 'keep' | 'layerwise-saved' | 'layerwise-recompute';

/** True for the strategies that run one layer at a time (streamed weights, chunked head). */
export const isLayerwise = (s: TrainStrategy): boolean => s !== 'keep';

export interface StepShape {
  batch: number;
  /** Tokens per sequence, without the virtual tokens. */
  seqLen: number;
  virtualTokens: number;
  /** Labelled rows per batch. */
  labelRows: number;
  strategy: TrainStrategy;
  /** keep only: onnxruntime's pre-packed weight copies. */
  prepack?: boolean;
  /** layer-wise only: every fed weight kept on the host between runs (residentWeightBytes), not streamed. */
  residentWeights?: boolean;
}

export interface MemoryEstimate {
  /** Node, onnxruntime and the app before any model. */
  runtimeBytes: number;
  /** Weights resident at the peak (mapped, cast or packed copies; one layer when streaming). */
  weightBytes: number;
  /** Activations alive at the peak (kept for the backward, or one layer's plus the hidden states). */
  activationBytes: number;
  /** LM head logits and their softmax. */
  logitBytes: number;
  totalBytes: number;
}

const F32 = 4;
/** Resident set of node + onnxruntime-node with the engine loaded (measured ≈ 140–180 MB). */
const RUNTIME_BYTES = 170 * 2 ** 20;
/** Float32 values one layer keeps per token for its backward (fitted; see bench/README.md). */
const PER_TOKEN_HIDDEN = 14;
const PER_TOKEN_INTERMEDIATE = 5;
/** Attention score-sized tensors kept per layer (scores, softmax, its gradient). */
const SCORE_COPIES = 3;
/** onnxruntime's arena holds freed blocks for reuse: observed peak / live bytes. */
const ARENA_FACTOR = 1.3;
/** The chunked head's logit budget (src/engine/layerwise/head_chunks.ts HEAD_CHUNK_BYTES). */
const HEAD_CHUNK_BYTES = 64 * 2 ** 20;
/** The layer-wise head's vocabulary slice (head_chunks.ts HEAD_SLICE_BYTES): the LM head is never held whole. */
const HEAD_SLICE_BYTES = 32 * 2 ** 20;

/** Per-layer parameters (attention + gated MLP; norms are negligible). */
export function layerParameters(s: MemoryShape): number {
  const d = s.hiddenSize;
  const q = s.numHeads * s.headDim;
  const kv = s.numKvHeads * s.headDim;
  return d * q + 2 * d * kv + q * d + 3 * d * s.intermediateSize;
}

/**
 * Rows of a batch's hidden states: the soft prompt's once, then every sequence's tokens
 * (src/engine/graphs/rows.ts); attention scores stay per sequence, T = n + L keys each.
 */
interface BatchRows {
  rows: number;
  B: number;
  T: number;
}

function layerActivationBytes(s: MemoryShape, { rows, B, T }: BatchRows): number {
  return F32 * (rows * (PER_TOKEN_HIDDEN * s.hiddenSize + PER_TOKEN_INTERMEDIATE * s.intermediateSize) + SCORE_COPIES * B * s.numHeads * T * T);
}

/**
 * What the layer-wise forward session's arena holds (it is a session of its own, with its own
 * arena, beside the backward's): one layer's forward values — the normed inputs, the products,
 * the MLP's SiLU · up, the residual — and the attention scores and softmax.
 */
function layerForwardBytes(s: MemoryShape, { rows, B, T }: BatchRows): number {
  const q = s.numHeads * s.headDim;
  const kv = s.numKvHeads * s.headDim;
  return F32 * (rows * (4 * s.hiddenSize + q + 2 * kv + s.hiddenSize + 3 * s.intermediateSize) + 2 * B * s.numHeads * T * T);
}

/**
 * Weights the layer-wise passes hold: one layer's tensors fed as float32 (half weights widened
 * one tensor at a time), a packed copy of the largest matrix while it multiplies, and one
 * vocabulary slice of the LM head — never the model, never the whole head.
 */
function layerwiseWeightBytes(s: MemoryShape): number {
  return layerParameters(s) * F32 + s.hiddenSize * s.intermediateSize * F32 + Math.min(s.vocabSize * s.hiddenSize * F32, HEAD_SLICE_BYTES);
}

/**
 * Bytes the layer-wise sessions' weights take when all are kept on the host between runs
 * (runtime/weight_feeder.ts hostWeightBudget): every weight but an untied input embedding
 * (whose rows are read per batch), in the feed dtype.
 */
export function residentWeightBytes(s: MemoryShape): number {
  const fed = s.parameters - (s.tiedEmbeddings ? 0 : s.vocabSize * s.hiddenSize);
  return Math.ceil(fed * (s.feedBytesPerParam ?? F32));
}

/** What 'layerwise-saved' keeps per layer: o, the gated MLP's gate and up, and the attention's queries, keys and values (the size of q, k, v). */
export function savedProductBytes(s: MemoryShape, rows: number): number {
  const q = s.numHeads * s.headDim;
  const kv = s.numKvHeads * s.headDim;
  return F32 * s.numLayers * rows * (q + 2 * kv + s.hiddenSize + 2 * s.intermediateSize);
}

export function estimateTrainMemory(s: MemoryShape, w: StepShape): MemoryEstimate {
  const batch: BatchRows = { rows: w.virtualTokens + w.batch * w.seqLen, B: w.batch, T: w.virtualTokens + w.seqLen };
  const layerAct = layerActivationBytes(s, batch);
  let weightBytes: number;
  let activationBytes: number;
  let logitBytes: number;
  if (w.strategy === 'keep') {
    // Weights mapped as stored; half weights are cast once into a float32 copy (constant
    // folding); pre-packing adds a packed copy per matmul direction.
    const matmulParams = s.numLayers * layerParameters(s);
    weightBytes = s.parameters * s.storedBytesPerParam + (s.storedBytesPerParam < F32 ? s.parameters * F32 : 0) + (w.prepack ? 2 * matmulParams * F32 : 0);
    activationBytes = ARENA_FACTOR * s.numLayers * layerAct;
    logitBytes = 3 * w.labelRows * s.vocabSize * F32;
  } else {
    // The backward session's arena (one layer's values and their gradients), the forward
    // session's, the L + 2 hidden states on the host, with saved products those, and the
    // head's float64 running sums over the label rows (Σ exp · W).
    // Resident: the whole fed model, and the packed copy of the largest matrix; no stream buffers.
    weightBytes = w.residentWeights ? residentWeightBytes(s) + s.hiddenSize * s.intermediateSize * F32 : layerwiseWeightBytes(s);
    activationBytes = ARENA_FACTOR * (layerAct + layerForwardBytes(s, batch)) + (s.numLayers + 2) * batch.rows * s.hiddenSize * F32 + (w.strategy === 'layerwise-saved' ? savedProductBytes(s, batch.rows) : 0) + 8 * w.labelRows * s.hiddenSize;
    logitBytes = Math.min(HEAD_CHUNK_BYTES, 3 * w.labelRows * s.vocabSize * F32);
  }
  const totalBytes = RUNTIME_BYTES + weightBytes + activationBytes + logitBytes;
  return { runtimeBytes: RUNTIME_BYTES, weightBytes, activationBytes, logitBytes, totalBytes };
}

/**
 * Forward-only graphs (evaluation, generation): the weights as the strategy holds them; the
 * activations of one layer at a time (onnxruntime reuses buffers in a forward-only graph).
 */
export function estimateInferenceMemory(s: MemoryShape, w: { strategy: 'keep' | 'layerwise'; prepack?: boolean; residentWeights?: boolean }): MemoryEstimate {
  const matmulParams = s.numLayers * layerParameters(s);
  const layerwise = w.residentWeights ? residentWeightBytes(s) + s.hiddenSize * s.intermediateSize * F32 : layerwiseWeightBytes(s);
  const weightBytes = w.strategy === 'keep' ? s.parameters * s.storedBytesPerParam + (s.storedBytesPerParam < F32 ? s.parameters * F32 : 0) + (w.prepack ? matmulParams * F32 : 0) : layerwise;
  return { runtimeBytes: RUNTIME_BYTES, weightBytes, activationBytes: 0, logitBytes: 0, totalBytes: RUNTIME_BYTES + weightBytes };
}

/** Share of free memory the keep-everything path may take at most (see KEEP_TINY_BYTES). */
export const KEEP_SHARE = 1 / 4;

/**
 * Host bytes layer-wise inference (scoring, logits, generation) may keep its weights in
 * between runs: all of them while that estimate stays under KEEP_SHARE of the free memory (the
 * share the whole-model inference graph gets), else 0 (streamed on every run).
 */
export function inferenceHostWeightBudget(s: MemoryShape, memory: { freeBytes: number }): number {
  return estimateInferenceMemory(s, { strategy: 'layerwise', residentWeights: true }).totalBytes < memory.freeBytes * KEEP_SHARE ? residentWeightBytes(s) : 0;
}

/** onnxruntime pre-packs weights while two packed copies stay under an eighth of the machine. */
export function prepackFits(s: MemoryShape, totalBytes: number): boolean {
  return 2 * s.parameters * s.storedBytesPerParam < totalBytes / 8;
}

export interface TrainMemoryPlan {
  strategy: TrainStrategy;
  estimate: MemoryEstimate;
  /** The estimate exceeds the free memory given. */
  fits: boolean;
  /** Host bytes the layer-wise step keeps its weights in between runs (0: streamed on every run). */
  hostWeightBudget: number;
}

/**
 * Below this estimated peak (and under KEEP_SHARE of the free memory) the keep-everything step
 * is chosen: one session call instead of 2 · layers, which wins where each layer is little work
 * (stories260K: 2× faster than layer-wise) and memory is no concern. Above it the layer-wise
 * step with saved products does the same product work as keeping everything at a third of its
 * memory and, with the prompt's rows once per batch and the weights kept where they fit, no
 * more wall time (SmolLM2-135M, 8 × 148 tokens, quiet 2-core CPU: 3.57 s against 3.91 s;
 * bench/README.md, "Results").
 */
export const KEEP_TINY_BYTES = 2 ** 30;

/** Share of free memory the layer-wise step with saved products may take before the recomputing one is chosen. */
export const SAVED_SHARE = 1 / 2;

/**
 * Host bytes a layer-wise step of strategy `w.strategy` may keep its weights in between runs:
 * all of them (residentWeightBytes) or none (streamed from the files on every run). Kept when
 * the estimate with them resident stays under SAVED_SHARE of the free memory, and they are no
 * more than the streamed step's own estimate (keeping them at most doubles the step's memory).
 * Keeping them saves reading every layer twice per step: 9–14% of a SmolLM2-135M step, whose
 * 0.54 GB of weights are small beside its activations (bench/README.md). Where the weights
 * dominate (Qwen2.5-0.5B and up: 2 GB and more as float32 against a ~1 GB step) the step
 * streams: memory is what decides which models fit, and it is chosen over those few percent.
 */
export function hostWeightBudgetFor(s: MemoryShape, w: Omit<StepShape, 'prepack' | 'residentWeights'>, memory: { freeBytes: number }): number {
  if (!isLayerwise(w.strategy)) return 0;
  const resident = residentWeightBytes(s);
  if (resident > estimateTrainMemory(s, w).totalBytes) return 0;
  return estimateTrainMemory(s, { ...w, residentWeights: true }).totalBytes < memory.freeBytes * SAVED_SHARE ? resident : 0;
}

/**
 * The engine's choice (src/engine/layerwise/strategy.ts) and its estimate: keep everything when
 * that is tiny (KEEP_TINY_BYTES); otherwise layer by layer with saved weight products while
 * those fit in half the free memory (a fraction of the memory, some more time per step);
 * otherwise layer by layer with recomputation (memory bounded by one layer and the L hidden
 * states, ≈ +1/3 compute). Layer by layer, the weights stay on the host between runs when that
 * still fits the same half (hostWeightBudgetFor); saved products come first, being worth more.
 */
export function planTrainMemory(s: MemoryShape, w: Omit<StepShape, 'strategy' | 'prepack' | 'residentWeights'>, memory: { freeBytes: number; totalBytes: number }): TrainMemoryPlan {
  const keep = estimateTrainMemory(s, { ...w, strategy: 'keep', prepack: prepackFits(s, memory.totalBytes) });
  if (keep.totalBytes < Math.min(KEEP_TINY_BYTES, memory.freeBytes * KEEP_SHARE)) return { strategy: 'keep', estimate: keep, fits: true, hostWeightBudget: 0 };
  const layerwise = (strategy: TrainStrategy): TrainMemoryPlan => {
    const hostWeightBudget = hostWeightBudgetFor(s, { ...w, strategy }, memory);
    const estimate = estimateTrainMemory(s, { ...w, strategy, residentWeights: hostWeightBudget > 0 });
    return { strategy, estimate, fits: estimate.totalBytes <= memory.freeBytes, hostWeightBudget };
  };
  const saved = layerwise('layerwise-saved');
  if (saved.estimate.totalBytes < memory.freeBytes * SAVED_SHARE) return saved;
  return layerwise('layerwise-recompute');
}

/**
 * The batch shape a job's steps have: `seqLen` tokens per example (the longest expected),
 * label rows by task (language modelling labels every token; generation about half; a
 * classification label a few tokens).
 */
export function stepShapeOf(task: 'classification' | 'generation' | 'lm', batch: number, seqLen: number, virtualTokens: number): Omit<StepShape, 'strategy' | 'prepack' | 'residentWeights'> {
  const labelRows = task === 'lm' ? batch * seqLen : task === 'generation' ? Math.ceil((batch * seqLen) / 2) : batch * 4;
  return { batch, seqLen, virtualTokens, labelRows };
}
