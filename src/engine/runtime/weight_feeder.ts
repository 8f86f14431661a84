import type { TensorInfo } from '../weights/safetensors_read.js';
import { WeightStream } from '../weights/weight_stream.js';
import { DeviceTransfer } from './device_transfer.js';
import type { DeviceTensor, HostTensor, ProviderName, SessionValue } from './session.js';

export interface WeightFeederOptions {
  provider?: ProviderName;
  /**
   * Device bytes the weights may keep between runs (default: no limit). Weights past it are
   * streamed from the host on every run, as on the CPU provider.
   */
  deviceWeightBudget?: number;
}

/**
 * The weights a layer-wise graph is fed (FedSession). On the CPU provider, and where device
 * memory runs out, each run reads its layer's tensors from the safetensors files (WeightStream)
 * and feeds them from the host. On a provider that keeps tensors on the device (WebGPU), each
 * tensor is uploaded once, the first time a run needs it, and fed from device memory after
 * that: the forward and the recomputing backward of a layer share one copy, and no step after
 * the first moves a weight over the bus — without it a step uploads every layer twice and the
 * LM head once per chunk. The copy is in the feed dtype (float32 for BF16 checkpoints).
 */
export class WeightFeeder {
  readonly stream = new WeightStream();
  private readonly device: DeviceTransfer | undefined;
  private readonly resident = new Map<string, DeviceTensor>();
  private residentBytes = 0;
  private readonly budget: number;

  constructor(opts: WeightFeederOptions = {}) {
    this.device = DeviceTransfer.for(opts.provider);
    this.budget = opts.deviceWeightBudget ?? Infinity;
  }

  /** The tensor `info` as a feed for input `slot`: from device memory once uploaded, else from the host. */
  feed(info: TensorInfo, slot: string): Promise<SessionValue> {
    return this.keep(`${info.file}\0${info.name}`, () => this.stream.read(info, slot));
  }

  /** Rows start..start+count of `info` (a vocabulary slice of the LM head), as feed. */
  feedRows(info: TensorInfo, start: number, count: number, slot: string): Promise<SessionValue> {
    return this.keep(`${info.file}\0${info.name}\0${start}+${count}`, () => this.stream.readRows(info, start, count, slot));
  }

  private async keep(key: string, read: () => HostTensor): Promise<SessionValue> {
    const held = this.resident.get(key);
    if (held) return held;
    const host = read();
    if (!this.device || this.residentBytes + host.data.byteLength > this.budget) return host;
    const dev = await this.device.upload(host);
    this.resident.set(key, dev);
    this.residentBytes += dev.byteLength;
    return dev;
  }

  /** Bytes of weights held in device memory. */
  get deviceBytes(): number {
    return this.residentBytes;
  }

  /** Bytes of weights held on the host (the stream's reusable buffers). */
  get hostBytes(): number {
    return this.stream.residentBytes;
  }

  close(): void {
    for (const t of this.resident.values()) t.dispose();
    this.resident.clear();
    this.residentBytes = 0;
    this.stream.close();
  }
}
