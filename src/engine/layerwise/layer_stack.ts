import { buildLayerBackwardGraph, buildLayerForwardGraph, LAYER } from '../graphs/layerwise/layer_graphs.js';
import type { LoadedModel } from '../models/load_model.js';
import { FedSession } from '../runtime/fed_session.js';
import type { ModelSessionOptions } from '../runtime/model_session.js';
import { tensor, type HostTensor } from '../runtime/session.js';
import type { WeightStream } from '../weights/weight_stream.js';
import type { HiddenArray } from './host_embedding.js';

/**
 * The decoder blocks run one layer at a time: one session for a layer's forward and (for
 * training) one for its recomputing backward, each fed the weights of the layer it runs for.
 * Hidden states cross between layers on the host, so only the L + 1 hidden states are kept
 * between layers, never a layer's intermediates.
 */
export class LayerStack {
  private constructor(
    private readonly model: LoadedModel,
    private readonly dtype: 'float32' | 'float64',
    private readonly forward: FedSession,
    private readonly backward: FedSession | undefined,
  ) {}

  static async create(model: LoadedModel, stream: WeightStream, opts: ModelSessionOptions & { backward: boolean }): Promise<LayerStack> {
    const fwd = await FedSession.create(buildLayerForwardGraph(model, { dtype: opts.dtype }), model.weights, stream, opts);
    const bwd = opts.backward ? await FedSession.create(buildLayerBackwardGraph(model, { dtype: opts.dtype }), model.weights, stream, opts) : undefined;
    return new LayerStack(model, opts.dtype, fwd, bwd);
  }

  private feeds(h: HiddenArray, mask: HostTensor): Record<string, HostTensor> {
    const [B, T] = mask.dims as [number, number];
    return { [LAYER.hidden]: tensor(this.dtype, [B * T, this.model.spec.hiddenSize], h), [LAYER.mask]: mask };
  }

  /** Runs every layer; returns the input of each layer and the last output (L + 1 states). */
  async forwardAll(h0: HiddenArray, mask: HostTensor): Promise<HiddenArray[]> {
    const states = [h0];
    for (let l = 0; l < this.model.spec.numLayers; l++) {
      const out = await this.forward.run(l, this.feeds(states[l]!, mask));
      states.push(out[LAYER.out]!.data as HiddenArray);
    }
    return states;
  }

  /**
   * From d loss / d (last output) back to d loss / d h0, layer by layer from the top; each
   * layer's saved input is dropped from `states` once used.
   */
  async backwardAll(states: (HiddenArray | undefined)[], mask: HostTensor, gradTop: HiddenArray): Promise<HiddenArray> {
    if (!this.backward) throw new Error('LayerStack created without a backward session');
    let grad = gradTop;
    for (let l = this.model.spec.numLayers - 1; l >= 0; l--) {
      const [B, T] = mask.dims as [number, number];
      const out = await this.backward.run(l, { ...this.feeds(states[l]!, mask), [LAYER.gradOut]: tensor(this.dtype, [B * T, this.model.spec.hiddenSize], grad) });
      states[l] = undefined;
      grad = out[LAYER.gradIn]!.data as HiddenArray;
    }
    return grad;
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
