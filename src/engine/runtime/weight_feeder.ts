import type { TensorInfo } from '../weights/safetensors_read.js';
import { feedByteLength, WeightStream } from '../weights/weight_stream.js';
import { DeviceTransfer } from './device_transfer.js';
import type { DeviceTensor, HostTensor, ProviderName, SessionValue } from './session.js';

export interface WeightFeederOptions {
  provider?: ProviderName;
  /**
   * Device bytes the weights may keep between runs (default: no limit). Weights past it are
   * streamed from the host on every run, as on the CPU provider.
   */
  deviceWeightBudget?: number;
  /**
   * Host bytes the weights may keep between runs in buffers of their own (default 0: every
   * run reads its layer's tensors from the files). Set by the memory plan when the model's fed
   * weights fit beside the step (memory_estimate.ts planTrainMemory); weights past it stream.
   */
  hostWeightBudget?: number;
}

/**
 * The weights a layer-wise graph is fed (FedSession). On the CPU provider, and where device
 * memory runs out, each run reads its layer's tensors from the safetensors files (WeightStream)
 * into reused buffers and feeds them from the host. Where the host budget allows, a tensor is
 * read once into a buffer of its own and fed from it on every later run: a layer-wise step
 * otherwise copies every layer's weights from the page cache twice (forward and backward),
 * ~200 ms of a 4.4 s SmolLM2-135M step (bench/README.md). On a provider that keeps tensors on
 * the device (WebGPU), each tensor is uploaded once, the first time a run needs it, and fed
 * from device memory after that: the forward and the recomputing backward of a layer share one
 * copy, and no step after the first moves a weight over the bus — without it a step uploads
 * every layer twice and the LM head once per chunk. Kept copies are in the feed dtype (float32
 * for BF16 checkpoints).
 */
export class WeightFeeder {
  readonly stream = new WeightStream();
  private readonly device: DeviceTransfer | undefined;
  private readonly resident = new Map<string, DeviceTensor>();
  private residentBytes = 0;
  private readonly budget: number;
  private readonly hostResident = new Map<string, HostTensor>();
  private hostResidentBytes = 0;
  private readonly hostBudget: number;

  constructor(opts: WeightFeederOptions = {}) {
    this.device = DeviceTransfer.for(opts.provider);
    this.budget = opts.deviceWeightBudget ?? Infinity;
    this.hostBudget = opts.hostWeightBudget ?? 0;
  }

  /** The tensor `info` as a feed for input `slot`: from device memory once uploaded, else from the host. */
  feed(info: TensorInfo, slot: string): Promise<SessionValue> {
    return this.keep(`${info.file}\0${info.name}`, feedByteLength(info), () => this.stream.readOwned(info), () => this.stream.read(info, slot));
  }

  /** Rows start..start+count of `info` (a vocabulary slice of the LM head), as feed. */
  feedRows(info: TensorInfo, start: number, count: number, slot: string): Promise<SessionValue> {
    return this.keep(`${info.file}\0${info.name}\0${start}+${count}`, feedByteLength(info, count), () => this.stream.readOwned(info, start, count), () => this.stream.readRows(info, start, count, slot));
  }

  /** `bytes`: the feed's size; `readOwned` reads it into a buffer of its own, `read` into the slot's reused one. */
  private async keep(key: string, bytes: number, readOwned: () => HostTensor, read: () => HostTensor): Promise<SessionValue> {
    const held = this.resident.get(key) ?? this.hostResident.get(key);
    if (held) return held;
    if (!this.device && this.hostResidentBytes + bytes <= this.hostBudget) {
      const own = readOwned();
      this.hostResident.set(key, own);
      this.hostResidentBytes += bytes;
      return own;
    }
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

  /** Bytes of weights held on the host: kept tensors and the stream's reusable buffers. */
  get hostBytes(): number {
    return this.hostResidentBytes + this.stream.residentBytes;
  }

  /** Bytes of weights kept on the host between runs (at most the host budget). */
  get hostResidentWeightBytes(): number {
    return this.hostResidentBytes;
  }

  close(): void {
    this.hostResident.clear();
    this.hostResidentBytes = 0;
    for (const t of this.resident.values()) t.dispose();
    this.resident.clear();
    this.residentBytes = 0;
    this.stream.close();
  }
}
