import { SpsError } from '../../shared/errors.js';
import type { DType } from '../onnx/dtype.js';
import { Graph } from '../onnx/graph.js';
import * as op from '../onnx/ops/index.js';
import { DeviceTensor, GraphSession, keepsOnDevice, type HostTensor, type ProviderName, type SessionValue } from './session.js';

/**
 * Copies between host and device memory for providers that keep tensors on the device
 * (keepsOnDevice): onnxruntime-node has no upload or download call, so each direction is a
 * one-node Identity session — its input fed from the host and its output left on the device,
 * or fed a device tensor and its output fetched. One pair per dtype and rank, made on first
 * use and kept for the process (tensors they made may outlive any other session).
 */
export class DeviceTransfer {
  private static readonly byProvider = new Map<ProviderName, DeviceTransfer>();
  private readonly sessions = new Map<string, Promise<GraphSession>>();

  private constructor(readonly provider: ProviderName) {}

  /** The transfer for `provider`, or undefined where tensors cannot stay on the device. */
  static for(provider: ProviderName | undefined): DeviceTransfer | undefined {
    if (!provider || !keepsOnDevice(provider)) return undefined;
    let t = DeviceTransfer.byProvider.get(provider);
    if (!t) {
      t = new DeviceTransfer(provider);
      DeviceTransfer.byProvider.set(provider, t);
    }
    return t;
  }

  private session(dtype: DType, rank: number, toDevice: boolean): Promise<GraphSession> {
    const key = `${dtype}/${rank}/${toDevice ? 'up' : 'down'}`;
    let s = this.sessions.get(key);
    if (!s) {
      const g = new Graph(toDevice ? 'upload' : 'download');
      g.output(op.identity(g.input('x', dtype, Array.from({ length: rank }, (_, i) => `d${i}`))), 'y');
      s = GraphSession.create(g, { provider: this.provider, ...(toDevice ? { deviceOutputs: ['y'] } : {}) });
      this.sessions.set(key, s);
    }
    return s;
  }

  /** A device copy of a host tensor (counted as sent traffic). */
  async upload(t: HostTensor): Promise<DeviceTensor> {
    const out = (await (await this.session(t.dtype, t.dims.length, true)).runDevice({ x: t })).y!;
    if (!(out instanceof DeviceTensor)) throw new SpsError('INTERNAL', `the ${this.provider} provider returned an upload on the host`);
    return out;
  }

  /** A host copy of a value (counted as fetched traffic); host values are returned as they are. */
  async download(t: SessionValue): Promise<HostTensor> {
    if (!(t instanceof DeviceTensor)) return t;
    return (await (await this.session(t.dtype, t.dims.length, false)).run({ x: t })).y!;
  }
}
