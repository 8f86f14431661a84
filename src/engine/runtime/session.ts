import ort from 'onnxruntime-node';
import { SpsError } from '../../shared/errors.js';
import type { DType } from '../onnx/dtype.js';
import type { Graph } from '../onnx/graph.js';
import { serializeModel } from '../onnx/serialize.js';
import { webgpuProbe } from './webgpu_adapter.js';

/**
 * `webgpu` runs only on a real GPU; `webgpu-software` is WebGPU that may run on a software
 * adapter (lavapipe, SwiftShader, WARP): asked for by name, for tests and CI.
 */
export type ProviderName = 'cpu' | 'cuda' | 'dml' | 'webgpu' | 'webgpu-software';

export interface SessionOptions {
  /** Execution provider; there is no silent fallback (DESIGN.md §3). */
  provider?: ProviderName;
  /** Folder that external-data initializer paths are relative to (the model folder). */
  externalDataFolder?: string;
  /** Avoids a second, pre-packed copy of MatMul/Gemm weights (memory vs speed). */
  disablePrepacking?: boolean;
  intraOpThreads?: number;
  /** onnxruntime's CPU arena (default on): keeps freed blocks for reuse instead of returning them. */
  cpuMemArena?: boolean;
  /** Memory-pattern planning (default on): pre-plans one block for a run's allocations. */
  memPattern?: boolean;
  /** Write the optimised graph here (debugging / profiling). */
  optimizedModelPath?: string;
  enableProfiling?: boolean;
  /**
   * Trace file prefix (a path; ORT appends `_<timestamp>.json`). The Node binding refuses
   * `enableProfiling` without one, so it defaults to `onnxruntime_profile` (in the cwd).
   */
  profileFilePrefix?: string;
  /**
   * onnxruntime's graph optimisation level. 'all' fuses (RMSNorm, GELU, SiLU → QuickGelu, …)
   * with float32-only kernels; the float64 verification mode uses 'basic' so every op keeps
   * its double kernel.
   */
  optimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
}

export type HostTensorData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | Uint16Array;

/** A tensor on the host, as our engine passes it around. */
export interface HostTensor {
  dtype: DType;
  dims: readonly number[];
  data: HostTensorData;
}

const ORT_TYPE: Record<DType, ort.Tensor.Type> = {
  float32: 'float32',
  float64: 'float64',
  float16: 'float16',
  bfloat16: 'bfloat16' as ort.Tensor.Type,
  int64: 'int64',
  int32: 'int32',
  bool: 'bool',
};

/** A compiled graph bound to one execution provider. */
export class GraphSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly provider: ProviderName,
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[],
  ) {}

  static async create(graph: Graph, opts: SessionOptions = {}): Promise<GraphSession> {
    const provider = opts.provider ?? 'cpu';
    if (provider === 'webgpu') await refuseSoftwareAdapter();
    const bytes = serializeModel(graph);
    const sessionExtra: Record<string, string> = {};
    if (opts.externalDataFolder) sessionExtra.model_external_initializers_file_folder_path = opts.externalDataFolder;
    if (opts.disablePrepacking) sessionExtra.disable_prepacking = '1';
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: [provider === 'webgpu-software' ? 'webgpu' : provider],
      graphOptimizationLevel: opts.optimizationLevel ?? 'all',
      // Errors only: GPU providers warn on every session that shape ops run on the CPU (by design).
      logSeverityLevel: 3,
      extra: { session: sessionExtra },
      ...(opts.intraOpThreads ? { intraOpNumThreads: opts.intraOpThreads } : {}),
      ...(opts.cpuMemArena !== undefined ? { enableCpuMemArena: opts.cpuMemArena } : {}),
      ...(opts.memPattern !== undefined ? { enableMemPattern: opts.memPattern } : {}),
      ...(opts.optimizedModelPath ? { optimizedModelFilePath: opts.optimizedModelPath } : {}),
      ...(opts.enableProfiling ? { enableProfiling: true, profileFilePrefix: opts.profileFilePrefix ?? 'onnxruntime_profile' } : {}),
    };
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, options);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (provider.startsWith('webgpu') && /adapter/i.test(msg)) {
        // Dawn found no GPU it can drive: the common case on machines without GPU drivers.
        throw new SpsError('PROVIDER_UNAVAILABLE', 'no WebGPU adapter was found on this machine', {
          hint: 'WebGPU needs a GPU with Vulkan (Linux), Metal (macOS) or D3D12 (Windows) drivers; use --device cpu',
          cause: e,
        });
      }
      if (provider !== 'cpu' && /provider|EP|library|\.so|\.dll|webgpu|dawn/i.test(msg)) {
        throw new SpsError('PROVIDER_UNAVAILABLE', `the ${provider} execution provider could not be loaded: ${msg.split('\n')[0]}`, {
          hint: provider === 'cuda' ? 'install the CUDA provider with `npm run setup:cuda` (needs CUDA 12 and cuDNN 9), or use --device cpu' : 'use --device cpu',
          cause: e,
        });
      }
      throw new SpsError('INTERNAL', `onnxruntime could not create a session for graph "${graph.name}": ${msg}`, { cause: e });
    }
    return new GraphSession(session, provider, session.inputNames, session.outputNames);
  }

  /** Runs the graph; returns every output by name. */
  async run(feeds: Record<string, HostTensor>): Promise<Record<string, HostTensor>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const name of this.inputNames) {
      const t = feeds[name];
      if (!t) throw new SpsError('INTERNAL', `session input "${name}" was not fed`);
      ortFeeds[name] = new ort.Tensor(ORT_TYPE[t.dtype], t.data as never, t.dims as number[]);
    }
    const results = await this.session.run(ortFeeds);
    const out: Record<string, HostTensor> = {};
    for (const [name, t] of Object.entries(results)) {
      out[name] = { dtype: t.type as DType, dims: t.dims, data: t.data as HostTensorData };
    }
    return out;
  }

  async endProfiling(): Promise<void> {
    this.session.endProfiling();
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** `webgpu` never lands on a software renderer by itself (DESIGN: no silent slow path). */
async function refuseSoftwareAdapter(): Promise<void> {
  const probe = await webgpuProbe();
  if (probe.ok && probe.adapter.kind === 'software') {
    throw new SpsError('PROVIDER_UNAVAILABLE', `the only WebGPU adapter here is a software renderer (${probe.adapter.name ?? 'unknown'}), tens of times slower than the CPU provider`, {
      hint: 'use --device cpu, or --device webgpu-software to run on it anyway',
    });
  }
}

export function tensor(dtype: DType, dims: readonly number[], data: HostTensorData): HostTensor {
  const n = dims.reduce((a, b) => a * b, 1);
  if (n !== data.length) throw new SpsError('INTERNAL', `tensor of dims [${dims.join(', ')}] needs ${n} values, got ${data.length}`);
  return { dtype, dims, data };
}
