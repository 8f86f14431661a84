import { SpsError } from '../../shared/errors.js';
import type { Graph } from '../onnx/graph.js';
import { fuseRmsNorm } from '../onnx/fuse_rms_norm.js';
import { toHalfPrecision } from '../onnx/half_precision.js';
import { externalDataRoot } from '../weights/weight_index.js';
import { GraphSession, type ProviderName } from './session.js';

export interface ModelSessionOptions {
  dtype: 'float32' | 'float64';
  provider?: ProviderName;
  /** Keep pre-packed weight copies (faster matmuls, more memory); onnxruntime's default is on. */
  prepack?: boolean;
  /** onnxruntime's CPU arena and memory patterns (bench levers; defaults as onnxruntime's). */
  cpuMemArena?: boolean;
  memPattern?: boolean;
  /**
   * 'fp16': the graph is rewritten to mixed precision (onnx/half_precision.ts: float16 matrix
   * products, float32 softmax / statistics / loss) before the session is made; inputs and
   * outputs keep their dtypes. Default 'fp32'.
   */
  precision?: 'fp32' | 'fp16';
  /**
   * Layer-wise steps on a provider that keeps tensors on the device (WebGPU): device bytes the
   * weights may keep between runs (runtime/weight_feeder.ts; default no limit).
   */
  deviceWeightBudget?: number;
  /**
   * Layer-wise passes on the host: bytes the weights may keep between runs in buffers of their
   * own instead of being read from the files on every run (runtime/weight_feeder.ts; default 0).
   */
  hostWeightBudget?: number;
  /** Idle intra-op threads spin (onnxruntime's default); see SessionOptions.spinning. */
  spinning?: boolean;
}

/**
 * A session over a graph whose weights live in a model folder. One place for the rules every
 * runner shares: external weights resolved against the folder (a cache snapshot's repo
 * folder), and the float64 verification mode at the 'basic' optimisation level, since 'all'
 * fuses ops into float32-only kernels.
 */
export function createModelSession(graph: Graph, modelDir: string, opts: ModelSessionOptions, deviceOutputs?: readonly string[]): Promise<GraphSession> {
  if (opts.precision === 'fp16' && opts.dtype !== 'float32') throw new SpsError('INVALID_ARGUMENT', 'half precision needs float32 graphs (float64 is the CPU verification mode)');
  const provider = opts.provider ?? 'cpu';
  // GPU providers in float32: RMSNorm chains as one SimplifiedLayerNormalization kernel
  // (onnx/fuse_rms_norm.ts). Not in fp16: on lavapipe the fused layer-wise fp16 step's loss
  // moved from 4.7e-4 to 1.5e-2 of the float64 value (cause not found). The CPU keeps its
  // graphs as they are (its runs are the bit-reproducible reference).
  const fused = provider !== 'cpu' && opts.dtype === 'float32' && opts.precision !== 'fp16' ? fuseRmsNorm(graph).graph : graph;
  return GraphSession.create(opts.precision === 'fp16' ? toHalfPrecision(fused) : fused, {
    // The same root the graph's external-data paths were made relative to (a Hugging Face
    // cache snapshot is rooted at its repo folder, where blobs/ lies).
    externalDataFolder: externalDataRoot(modelDir),
    provider,
    optimizationLevel: opts.dtype === 'float64' ? 'basic' : 'all',
    ...(opts.prepack === false ? { disablePrepacking: true } : {}),
    ...(opts.cpuMemArena !== undefined ? { cpuMemArena: opts.cpuMemArena } : {}),
    ...(opts.memPattern !== undefined ? { memPattern: opts.memPattern } : {}),
    ...(opts.spinning !== undefined ? { spinning: opts.spinning } : {}),
    ...(deviceOutputs ? { deviceOutputs } : {}),
  });
}
