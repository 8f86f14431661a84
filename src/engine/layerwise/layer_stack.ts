import { buildLayerBackwardGraph, buildLayerForwardGraph, LAYER } from '../graphs/layerwise/layer_graphs.js';
import type { LoadedModel } from '../models/load_model.js';
import { DeviceTransfer } from '../runtime/device_transfer.js';
import { FedSession } from '../runtime/fed_session.js';
import type { ModelSessionOptions } from '../runtime/model_session.js';
import { DeviceTensor, tensor, type HostTensor, type SessionValue } from '../runtime/session.js';
import type { WeightFeeder } from '../runtime/weight_feeder.js';
import type { HiddenArray } from './host_embedding.js';

/** What the forward leaves for the backward: each layer's input and the mask, as fed. */
export interface SavedStates {
  /** inputs[l] is layer l's input; the backward drops each once used. */
  inputs: (SessionValue | undefined)[];
  mask: SessionValue;
  /** The last layer's output, on the host (the LM head gathers its label rows). */
  top: HiddenArray;
}

const dispose = (v: SessionValue | undefined): void => {
  if (v instanceof DeviceTensor) v.dispose();
};

/**
 * The decoder blocks run one layer at a time: one session for a layer's forward and (for
 * training) one for its recomputing backward, each fed the weights of the layer it runs for.
 * Only the L + 1 hidden states are kept between layers, never a layer's intermediates. Where
 * the provider keeps tensors on the device (WebGPU), the hidden states and gradients between
 * layers stay there: per step only the first input, the mask, the top output, the top
 * gradient and the first layer's input gradient cross the bus.
 */
export class LayerStack {
  private constructor(
    private readonly model: LoadedModel,
    private readonly dtype: 'float32' | 'float64',
    private readonly forward: FedSession,
    private readonly backward: FedSession | undefined,
    private readonly device: DeviceTransfer | undefined,
  ) {}

  static async create(model: LoadedModel, feeder: WeightFeeder, opts: ModelSessionOptions & { backward: boolean }): Promise<LayerStack> {
    const fwd = await FedSession.create(buildLayerForwardGraph(model, { dtype: opts.dtype }), model.weights, feeder, opts, [LAYER.out]);
    const bwd = opts.backward ? await FedSession.create(buildLayerBackwardGraph(model, { dtype: opts.dtype }), model.weights, feeder, opts, [LAYER.gradIn]) : undefined;
    return new LayerStack(model, opts.dtype, fwd, bwd, DeviceTransfer.for(opts.provider));
  }

  private hidden(h: HiddenArray, mask: HostTensor): HostTensor {
    const [B, T] = mask.dims as [number, number];
    return tensor(this.dtype, [B * T, this.model.spec.hiddenSize], h);
  }

  private toDevice(t: HostTensor): Promise<SessionValue> {
    return this.device ? this.device.upload(t) : Promise.resolve(t);
  }

  private async toHost(v: SessionValue): Promise<HiddenArray> {
    const host = this.device ? await this.device.download(v) : (v as HostTensor);
    dispose(v);
    return host.data as HiddenArray;
  }

  /**
   * Runs every layer. `keep`: the backward will follow, so every layer's input is kept (the
   * forward-only passes drop each as soon as the next layer has it).
   */
  async forwardAll(h0: HiddenArray, mask: HostTensor, keep = true): Promise<SavedStates> {
    const m = await this.toDevice(mask);
    const inputs: (SessionValue | undefined)[] = [await this.toDevice(this.hidden(h0, mask))];
    let last: SessionValue = inputs[0]!;
    for (let l = 0; l < this.model.spec.numLayers; l++) {
      const out = await this.forward.runDevice(l, { [LAYER.hidden]: last, [LAYER.mask]: m });
      if (!keep) dispose(last);
      last = out[LAYER.out]!;
      inputs.push(keep ? last : undefined);
    }
    inputs.pop();
    const top = await this.toHost(last);
    if (!keep) dispose(m);
    return { inputs, mask: m, top };
  }

  /**
   * From d loss / d (last output) back to d loss / d h0, layer by layer from the top; each
   * layer's saved input is dropped once used.
   */
  async backwardAll(saved: SavedStates, gradTop: HiddenArray): Promise<HiddenArray> {
    if (!this.backward) throw new Error('LayerStack created without a backward session');
    const [B, T] = saved.mask.dims as [number, number];
    let grad: SessionValue = await this.toDevice(tensor(this.dtype, [B * T, this.model.spec.hiddenSize], gradTop));
    for (let l = this.model.spec.numLayers - 1; l >= 0; l--) {
      const out = await this.backward.runDevice(l, { [LAYER.hidden]: saved.inputs[l]!, [LAYER.mask]: saved.mask, [LAYER.gradOut]: grad });
      dispose(saved.inputs[l]);
      saved.inputs[l] = undefined;
      dispose(grad);
      grad = out[LAYER.gradIn]!;
    }
    dispose(saved.mask);
    return this.toHost(grad);
  }

  async release(): Promise<void> {
    await this.forward.release();
    await this.backward?.release();
  }
}

/** The full attention mask [B, T]: n leading ones (the prompt), then the tokens' mask. */
export function fullMask(n: number, tokenMask: BigInt64Array, B: number, L: number): HostTensor {
  const T = n + L;
  const m = new BigInt64Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < n; t++) m[b * T + t] = 1n;
    for (let j = 0; j < L; j++) m[b * T + n + j] = tokenMask[b * L + j]!;
  }
  return tensor('int64', [B, T], m);
}
