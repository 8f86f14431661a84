import { buildLayerBackwardGraph, buildLayerForwardGraph, buildSavedProductGraphs, LAYER, type LayerGraphOptions } from '../graphs/layerwise/layer_graphs.js';
import type { LoadedModel } from '../models/load_model.js';
import { DeviceTransfer } from '../runtime/device_transfer.js';
import { FedSession } from '../runtime/fed_session.js';
import type { ModelSessionOptions } from '../runtime/model_session.js';
import { DeviceTensor, tensor, type HostTensor, type SessionValue } from '../runtime/session.js';
import type { WeightFeeder } from '../runtime/weight_feeder.js';
import { rowCount } from '../graphs/rows.js';
import type { HiddenArray } from './host_embedding.js';

/**
 * How a layer's backward gets what its forward computed: 'recompute' re-runs the whole layer
 * from its saved input; 'saved' is handed what the layer's forward computed (its o, gate and up
 * products and the attention's operands after RoPE) and recomputes only the cheap rest
 * (graphs/layerwise/layer_graphs.ts buildSavedProductGraphs).
 */
export type BackwardMode = 'recompute' | 'saved';

/** What the forward leaves for the backward: each layer's input and the mask, as fed. */
export interface SavedStates {
  /** inputs[l] is layer l's input; the backward drops each once used. */
  inputs: (SessionValue | undefined)[];
  /** products[l]: layer l's saved weight products by input name ('saved' mode; empty otherwise). */
  products: (Record<string, SessionValue> | undefined)[];
  mask: SessionValue;
  /** The last layer's kept rows, as fed, when it ran on them (`forwardAll`'s `outputRows`). */
  rows?: SessionValue;
  /** The last layer's output, on the host: every row, or the kept rows in their order. */
  top: HiddenArray;
}

const dispose = (v: SessionValue | undefined): void => {
  if (v instanceof DeviceTensor) v.dispose();
};

/** One kind of layer's sessions: its forward, its backward (training) and the products the first hands the second. */
interface LayerSessions {
  forward: FedSession;
  backward: FedSession | undefined;
  products: readonly { output: string; input: string }[];
}

async function layerSessions(model: LoadedModel, feeder: WeightFeeder, opts: ModelSessionOptions & { backward: BackwardMode | false }, graphOpts: LayerGraphOptions): Promise<LayerSessions> {
  if (opts.backward === 'saved') {
    const gs = buildSavedProductGraphs(model, graphOpts);
    const forward = await FedSession.create(gs.forward, model.weights, feeder, opts, [LAYER.out, ...gs.saved.map((v) => v.output)]);
    const backward = await FedSession.create(gs.backward, model.weights, feeder, opts, [LAYER.gradIn]);
    return { forward, backward, products: gs.saved };
  }
  const forward = await FedSession.create(buildLayerForwardGraph(model, graphOpts), model.weights, feeder, opts, [LAYER.out]);
  const backward = opts.backward === 'recompute' ? await FedSession.create(buildLayerBackwardGraph(model, graphOpts), model.weights, feeder, opts, [LAYER.gradIn]) : undefined;
  return { forward, backward, products: [] };
}

/**
 * Whether a pass that reads K of N rows should run the last layer on them alone: when K is at
 * most half of N. Below that the saving (the output projection and MLP on N − K rows) outweighs
 * a second pair of sessions, whose arena holds another layer's intermediates (language
 * modelling, where K ≈ N, would pay that memory for nothing).
 */
export function lastLayerKeepsRows(K: number, N: number): boolean {
  return K > 0 && 2 * K <= N;
}

/**
 * The decoder blocks run one layer at a time: one session for a layer's forward and (for
 * training) one for its backward, each fed the weights of the layer it runs for. Only the
 * L + 1 hidden states (and, in 'saved' mode, each layer's weight products) are kept between
 * layers, never a layer's other intermediates. Where
 * the provider keeps tensors on the device (WebGPU), the hidden states and gradients between
 * layers stay there: per step only the first input, the mask, the top output, the top
 * gradient and the first layer's input gradient cross the bus.
 *
 * With `outputRows`, a pass that reads few rows (the LM head's label rows; keepsRows) runs the
 * last layer with sessions of its own, made on first use, that return only those rows: its
 * output projection and MLP run on them alone (graphs/layerwise/layer_graphs.ts `outputRows`),
 * in the forward and in the backward.
 */
export class LayerStack {
  /** The last layer's sessions on kept rows, made on first use (their arena is memory too). */
  private last: Promise<LayerSessions> | undefined;

  private constructor(
    private readonly model: LoadedModel,
    private readonly dtype: 'float32' | 'float64',
    private readonly numVirtualTokens: number,
    private readonly layers: LayerSessions,
    private readonly makeLast: (() => Promise<LayerSessions>) | undefined,
    private readonly device: DeviceTransfer | undefined,
  ) {}

  /**
   * `backward`: false for forward-only passes; `numVirtualTokens`: the prompt's rows
   * (graphs/rows.ts); `outputRows`: the last layer may run on the rows the caller reads.
   */
  static async create(model: LoadedModel, feeder: WeightFeeder, opts: ModelSessionOptions & { backward: BackwardMode | false; numVirtualTokens: number; outputRows?: boolean }): Promise<LayerStack> {
    const graphOpts = { dtype: opts.dtype, numVirtualTokens: opts.numVirtualTokens };
    const layers = await layerSessions(model, feeder, opts, graphOpts);
    const makeLast = opts.outputRows ? () => layerSessions(model, feeder, opts, { ...graphOpts, outputRows: true }) : undefined;
    return new LayerStack(model, opts.dtype, opts.numVirtualTokens, layers, makeLast, DeviceTransfer.for(opts.provider));
  }

  /** Whether a pass that reads K of N rows runs the last layer on them (lastLayerKeepsRows). */
  keepsRows(K: number, N: number): boolean {
    return this.makeLast !== undefined && lastLayerKeepsRows(K, N);
  }

  /** Hidden states [n + B·L, d] for the tokens' mask [B, L] (graphs/rows.ts). */
  private hidden(h: HiddenArray, mask: { dims: readonly number[] }): HostTensor {
    const [B, L] = mask.dims as [number, number];
    return tensor(this.dtype, [rowCount(this.numVirtualTokens, B, L), this.model.spec.hiddenSize], h);
  }

  private toDevice(t: HostTensor): Promise<SessionValue> {
    return this.device ? this.device.upload(t) : Promise.resolve(t);
  }

  private async toHost(v: SessionValue): Promise<HiddenArray> {
    const host = this.device ? await this.device.download(v) : (v as HostTensor);
    dispose(v);
    return host.data as HiddenArray;
  }

  /** The sessions layer l runs with, and its extra feeds: the last layer's own when it keeps rows. */
  private async sessionsFor(l: number, rows: SessionValue | undefined): Promise<{ sessions: LayerSessions; feeds: Record<string, SessionValue> }> {
    if (rows && this.makeLast && l === this.model.spec.numLayers - 1) {
      this.last ??= this.makeLast();
      return { sessions: await this.last, feeds: { [LAYER.rows]: rows } };
    }
    return { sessions: this.layers, feeds: {} };
  }

  /**
   * Runs every layer on h0 [n + B·L, d] with the tokens' mask [B, L]. `keep`: the backward will
   * follow, so every layer's input is kept (the forward-only passes drop each as soon as the
   * next layer has it). `outputRows` (int64 [K], rows of h0's layout; needs `outputRows` at
   * create, see keepsRows): the top is only those rows, [K, d], in that order.
   */
  async forwardAll(h0: HiddenArray, mask: HostTensor, keep = true, outputRows?: HostTensor): Promise<SavedStates> {
    const m = await this.toDevice(mask);
    const rows = outputRows && this.makeLast ? await this.toDevice(outputRows) : undefined;
    const inputs: (SessionValue | undefined)[] = [await this.toDevice(this.hidden(h0, mask))];
    const products: (Record<string, SessionValue> | undefined)[] = [];
    let last: SessionValue = inputs[0]!;
    for (let l = 0; l < this.model.spec.numLayers; l++) {
      const { sessions, feeds } = await this.sessionsFor(l, rows);
      const out = await sessions.forward.runDevice(l, { ...feeds, [LAYER.hidden]: last, [LAYER.mask]: m });
      if (!keep) dispose(last);
      last = out[LAYER.out]!;
      inputs.push(keep ? last : undefined);
      const mine = Object.fromEntries(sessions.products.map((p) => [p.input, out[p.output]!]));
      if (keep) products.push(mine);
      else Object.values(mine).forEach(dispose);
    }
    inputs.pop();
    const top = await this.toHost(last);
    if (!keep) {
      dispose(m);
      dispose(rows);
    }
    return { inputs, products, mask: m, top, ...(rows ? { rows } : {}) };
  }

  /**
   * From d loss / d (last output) back to d loss / d h0, layer by layer from the top; each
   * layer's saved input (and products) are dropped once used. `gradTop` is shaped like
   * `saved.top` (the kept rows only, when the forward kept rows).
   */
  async backwardAll(saved: SavedStates, gradTop: HiddenArray): Promise<HiddenArray> {
    if (!this.layers.backward) throw new Error('LayerStack created without a backward session');
    const d = this.model.spec.hiddenSize;
    let grad: SessionValue = await this.toDevice(saved.rows ? tensor(this.dtype, [gradTop.length / d, d], gradTop) : this.hidden(gradTop, saved.mask));
    for (let l = this.model.spec.numLayers - 1; l >= 0; l--) {
      const { sessions, feeds } = await this.sessionsFor(l, saved.rows);
      const products = saved.products[l] ?? {};
      const out = await sessions.backward!.runDevice(l, { ...feeds, ...products, [LAYER.hidden]: saved.inputs[l]!, [LAYER.mask]: saved.mask, [LAYER.gradOut]: grad });
      dispose(saved.inputs[l]);
      saved.inputs[l] = undefined;
      Object.values(products).forEach(dispose);
      saved.products[l] = undefined;
      dispose(grad);
      grad = out[LAYER.gradIn]!;
    }
    dispose(saved.mask);
    dispose(saved.rows);
    return this.toHost(grad);
  }

  async release(): Promise<void> {
    for (const sessions of [this.layers, await this.last]) {
      await sessions?.forward.release();
      await sessions?.backward?.release();
    }
  }
}
