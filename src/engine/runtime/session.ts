import ort from 'onnxruntime-node';
import { SpsError } from '../../shared/errors.js';
import { BYTES_PER_ELEMENT, type DType } from '../onnx/dtype.js';
import type { Graph } from '../onnx/graph.js';
import { serializeModel } from '../onnx/serialize.js';
import { explainRunError } from './run_errors.js';
import { countRun } from './traffic.js';
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
  /**
   * Whether idle intra-op threads spin waiting for work (onnxruntime's default: yes). Off for
   * the layer-wise sessions: several sessions run one after another many times per step, and a
   * finished session's spinning threads took cores from the next one.
   */
  spinning?: boolean;
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
  /**
   * Outputs left on the device (as DeviceTensor) instead of copied back, on providers that can
   * (keepsOnDevice); elsewhere they come back as host tensors.
   */
  deviceOutputs?: readonly string[];
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

/**
 * A tensor left in the execution provider's memory by a run (onnxruntime's 'gpu-buffer'
 * location), fed to later runs of any session on the same provider without a copy. The Node
 * binding cannot download one (its `getData` aborts the process), so reading it back goes
 * through a session whose output is on the host (DeviceTransfer.download).
 */
export class DeviceTensor {
  private disposed = false;

  constructor(
    readonly dtype: DType,
    readonly dims: readonly number[],
    /** @internal the binding's tensor; only GraphSession reads it. */
    readonly ortTensor: ort.Tensor,
  ) {}

  get byteLength(): number {
    return this.dims.reduce((a, b) => a * b, 1) * BYTES_PER_ELEMENT[this.dtype];
  }

  /** Frees the device memory now (otherwise it goes when the tensor is garbage collected). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.ortTensor.dispose();
  }
}

/** A run's input or output: on the host, or kept on the device. */
export type SessionValue = HostTensor | DeviceTensor;

/**
 * Whether outputs can stay on the device between runs: onnxruntime-node returns 'gpu-buffer'
 * outputs only for its WebGPU provider (CUDA outputs always come back to the host).
 */
export function keepsOnDevice(provider: ProviderName): boolean {
  return provider === 'webgpu' || provider === 'webgpu-software';
}

/** A compiled graph bound to one execution provider. */
export class GraphSession {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly provider: ProviderName,
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[],
    /** The graph's name, for errors. */
    readonly name: string,
  ) {}

  static async create(graph: Graph, opts: SessionOptions = {}): Promise<GraphSession> {
    const provider = opts.provider ?? 'cpu';
    if (provider === 'webgpu') await refuseSoftwareAdapter();
    const bytes = serializeModel(graph);
    const sessionExtra: Record<string, string> = {};
    if (opts.externalDataFolder) sessionExtra.model_external_initializers_file_folder_path = opts.externalDataFolder;
    if (opts.disablePrepacking) sessionExtra.disable_prepacking = '1';
    if (opts.spinning !== undefined) sessionExtra['intra_op.allow_spinning'] = opts.spinning ? '1' : '0';
    const deviceOutputs = keepsOnDevice(provider) ? (opts.deviceOutputs ?? []) : [];
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
      ...(deviceOutputs.length ? { preferredOutputLocation: Object.fromEntries(deviceOutputs.map((n) => [n, 'gpu-buffer' as const])) } : {}),
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
    return new GraphSession(session, provider, session.inputNames, session.outputNames, graph.name);
  }

  /** Runs the graph; returns every output by name, on the host (a session without deviceOutputs). */
  async run(feeds: Record<string, SessionValue>): Promise<Record<string, HostTensor>> {
    const out = await this.runDevice(feeds);
    for (const [name, t] of Object.entries(out)) {
      if (t instanceof DeviceTensor) throw new SpsError('INTERNAL', `output "${name}" stayed on the device; use runDevice`);
    }
    return out as Record<string, HostTensor>;
  }

  /**
   * Runs the graph; outputs named in deviceOutputs stay on the device where the provider
   * allows. Host feeds and host outputs are counted as host↔device traffic (traffic.ts).
   */
  async runDevice(feeds: Record<string, SessionValue>): Promise<Record<string, SessionValue>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    let sent = 0;
    for (const name of this.inputNames) {
      const t = feeds[name];
      if (!t) throw new SpsError('INTERNAL', `session input "${name}" was not fed`);
      if (t instanceof DeviceTensor) {
        ortFeeds[name] = t.ortTensor;
      } else {
        ortFeeds[name] = new ort.Tensor(ORT_TYPE[t.dtype], t.data as never, t.dims as number[]);
        sent += t.data.byteLength;
      }
    }
    let results: ort.InferenceSession.ReturnType;
    try {
      results = await this.session.run(ortFeeds);
    } catch (e) {
      throw explainRunError(e, this.provider, this.name);
    }
    const out: Record<string, SessionValue> = {};
    let fetched = 0;
    for (const [name, t] of Object.entries(results)) {
      if (t.location === 'gpu-buffer') {
        out[name] = new DeviceTensor(t.type as DType, t.dims, t);
      } else {
        out[name] = { dtype: t.type as DType, dims: t.dims, data: t.data as HostTensorData };
        fetched += (t.data as HostTensorData).byteLength;
      }
    }
    countRun(sent, fetched);
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
