import { buildDecodeLayerGraph, DECODE_LAYER } from '../graphs/layerwise/decode_layer_graph.js';
import type { LoadedModel } from '../models/load_model.js';
import { FedSession } from '../runtime/fed_session.js';
import type { ModelSessionOptions } from '../runtime/model_session.js';
import { WeightFeeder } from '../runtime/weight_feeder.js';
import { tensor, type HostTensor } from '../runtime/session.js';
import { HeadChunks } from './head_chunks.js';
import { HostEmbedding, type HiddenArray } from './host_embedding.js';

/** One pass of generation: logits of the last position, and every layer's keys/values. */
export interface DecodePass {
  logits: HiddenArray;
  /** [k0, v0, k1, v1, …], each [1, KV, P + T, hd]. */
  cache: HostTensor[];
}

/**
 * Generation with a key/value cache, layer by layer with streamed weights: the layer-wise
 * counterpart of the whole-model decode graph. The cache (2 × layers × KV heads × positions ×
 * head dim values) is the only per-sequence state (CachedGenerator.cacheBytes).
 */
export class LayerwiseDecoder {
  private constructor(
    private readonly model: LoadedModel,
    private readonly dtype: 'float32' | 'float64',
    private readonly feeder: WeightFeeder,
    private readonly embedding: HostEmbedding,
    private readonly layer: FedSession,
    private readonly head: HeadChunks,
  ) {}

  static async create(model: LoadedModel, opts: ModelSessionOptions): Promise<LayerwiseDecoder> {
    const feeder = new WeightFeeder(opts);
    const layer = await FedSession.create(buildDecodeLayerGraph(model, { dtype: opts.dtype }), model.weights, feeder, opts);
    const head = await HeadChunks.create(model, feeder, { ...opts, grad: false });
    return new LayerwiseDecoder(model, opts.dtype, feeder, new HostEmbedding(model), layer, head);
  }

  /** Runs `prefix` rows (the soft prompt on the first pass) then `ids` after `past` positions. */
  async pass(prefix: ArrayLike<number> | undefined, prefixRows: number, ids: readonly number[], past: readonly HostTensor[]): Promise<DecodePass> {
    const { hiddenSize: d, numLayers } = this.model.spec;
    const P = past[0]!.dims[2]!;
    const T = prefixRows + ids.length;
    let h = this.embedding.embed(prefix, prefixRows, ids, 1, ids.length, this.dtype, P);
    const cache: HostTensor[] = [];
    for (let l = 0; l < numLayers; l++) {
      const out = await this.layer.run(l, {
        [DECODE_LAYER.hidden]: tensor(this.dtype, [T, d], h),
        [DECODE_LAYER.pastKey]: past[2 * l]!,
        [DECODE_LAYER.pastValue]: past[2 * l + 1]!,
      });
      h = out[DECODE_LAYER.out]!.data as HiddenArray;
      cache.push(out[DECODE_LAYER.presentKey]!, out[DECODE_LAYER.presentValue]!);
    }
    return { logits: await this.head.logits(h, [T - 1]), cache };
  }

  async release(): Promise<void> {
    await this.layer.release();
    await this.head.release();
    this.feeder.close();
  }
}
