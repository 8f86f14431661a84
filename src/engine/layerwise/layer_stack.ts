import { buildLayerBackwardGraph, buildLayerForwardGraph, buildSavedProductGraphs, LAYER } from '../graphs/layerwise/layer_graphs.js';
import type { LoadedModel } from '../models/load_model.js';
import { FedSession } from '../runtime/fed_session.js';
import type { ModelSessionOptions } from '../runtime/model_session.js';
import { tensor, type HostTensor } from '../runtime/session.js';
import type { WeightStream } from '../weights/weight_stream.js';
import type { HiddenArray } from './host_embedding.js';

/**
 * How a layer's backward gets what its forward computed: 'recompute' re-runs the whole layer
 * from its saved input; 'saved' is handed the layer's weight products (q, k, v, o, gate, up)
 * kept from the forward and recomputes only the cheap rest (graphs/layerwise/saved_values.ts).
 */
export type BackwardMode = 'recompute' | 'saved';

/** What the forward keeps for the backward: each layer's input and, in 'saved' mode, its products. */
export interface ForwardStates {
  /** The input of each layer and the last output (L + 1 states); entries are dropped as the backward uses them. */
  hidden: (HiddenArray | undefined)[];
  /** Per layer, the saved products by input name ('saved' mode; empty otherwise). */
  saved: (Record<string, HostTensor> | undefined)[];
}

/**
 * The decoder blocks run one layer at a time: one session for a layer's forward and (for
 * training) one for its backward, each fed the weights of the layer it runs for. Hidden
 * states cross between layers on the host, so only the L + 1 hidden states (and, in 'saved'
 * mode, each layer's weight products) are kept between layers, never a layer's other
 * intermediates.
 */
export class LayerStack {
  private constructor(
    private readonly model: LoadedModel,
    private readonly dtype: 'float32' | 'float64',
    private readonly forward: FedSession,
    private readonly backward: FedSession | undefined,
    private readonly savedNames: readonly string[],
  ) {}

  static async create(model: LoadedModel, stream: WeightStream, opts: ModelSessionOptions & { backward: BackwardMode | false }): Promise<LayerStack> {
    if (opts.backward === 'saved') {
      const gs = buildSavedProductGraphs(model, { dtype: opts.dtype });
      const fwd = await FedSession.create(gs.forward, model.weights, stream, opts);
      const bwd = await FedSession.create(gs.backward, model.weights, stream, opts);
      return new LayerStack(model, opts.dtype, fwd, bwd, gs.saved);
    }
    const fwd = await FedSession.create(buildLayerForwardGraph(model, { dtype: opts.dtype }), model.weights, stream, opts);
    const bwd = opts.backward === 'recompute' ? await FedSession.create(buildLayerBackwardGraph(model, { dtype: opts.dtype }), model.weights, stream, opts) : undefined;
    return new LayerStack(model, opts.dtype, fwd, bwd, []);
  }

  private feeds(h: HiddenArray, mask: HostTensor): Record<string, HostTensor> {
    const [B, T] = mask.dims as [number, number];
    return { [LAYER.hidden]: tensor(this.dtype, [B * T, this.model.spec.hiddenSize], h), [LAYER.mask]: mask };
  }

  /** Runs every layer; returns the input of each layer and the last output (L + 1 states). */
  async forwardAll(h0: HiddenArray, mask: HostTensor): Promise<HiddenArray[]> {
    return (await this.forwardKeeping(h0, mask)).hidden as HiddenArray[];
  }

  /** forwardAll, also keeping what this stack's backward reads (the saved products in 'saved' mode). */
  async forwardKeeping(h0: HiddenArray, mask: HostTensor): Promise<ForwardStates> {
    const hidden: HiddenArray[] = [h0];
    const saved: Record<string, HostTensor>[] = [];
    for (let l = 0; l < this.model.spec.numLayers; l++) {
      const out = await this.forward.run(l, this.feeds(hidden[l]!, mask));
      hidden.push(out[LAYER.out]!.data as HiddenArray);
      if (this.savedNames.length > 0) saved.push(Object.fromEntries(this.savedNames.map((n) => [n, out[n]!])));
    }
    return { hidden, saved };
  }

  /**
   * From d loss / d (last output) back to d loss / d h0, layer by layer from the top; each
   * layer's saved input (and products) are dropped from `states` once used.
   */
  async backwardAll(states: ForwardStates, mask: HostTensor, gradTop: HiddenArray): Promise<HiddenArray> {
    if (!this.backward) throw new Error('LayerStack created without a backward session');
    const [B, T] = mask.dims as [number, number];
    let grad = gradTop;
    for (let l = this.model.spec.numLayers - 1; l >= 0; l--) {
      const out = await this.backward.run(l, { ...this.feeds(states.hidden[l]!, mask), ...states.saved[l], [LAYER.gradOut]: tensor(this.dtype, [B * T, this.model.spec.hiddenSize], grad) });
      states.hidden[l] = undefined;
      states.saved[l] = undefined;
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
