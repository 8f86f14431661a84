import type { DType } from '../../onnx/dtype.js';
import { Graph, type Value } from '../../onnx/graph.js';
import * as op from '../../onnx/ops/index.js';
import type { LoadedModel } from '../../models/load_model.js';
import { attentionBias, type AttentionInputs } from '../../models/parts/attention.js';
import { ropeTables } from '../../models/parts/rope.js';
import { FedWeightContext } from './fed_weights.js';
import type { FedGraph } from './layer_graphs.js';

export const DECODE_LAYER = {
  hidden: 'hidden',
  pastKey: 'past_key',
  pastValue: 'past_value',
  out: 'hidden_out',
  presentKey: 'present_key',
  presentValue: 'present_value',
} as const;

/**
 * One decoder block with a key/value cache (batch 1), weights as inputs: the hidden states of
 * the T new positions [T, d] and this layer's past keys/values [1, KV, P, hd] in; the new
 * hidden states and the keys/values for all P + T positions out. Positions continue from P.
 * The layer-wise counterpart of graphs/decode.ts.
 */
export function buildDecodeLayerGraph(model: LoadedModel, opts: { dtype: DType }): FedGraph {
  const { spec, arch } = model;
  const dtype = opts.dtype;
  const g = new Graph('decode_layer');
  const ctx = new FedWeightContext(g, spec, model.weights, dtype, { prefix: arch.layerPrefix(0), prefixOf: (i) => arch.layerPrefix(i) });
  const hidden = g.input(DECODE_LAYER.hidden, dtype, ['T', spec.hiddenSize]);
  const kvShape = [1, spec.numKvHeads, 'P', spec.headDim];
  const past = { k: g.input(DECODE_LAYER.pastKey, dtype, kvShape), v: g.input(DECODE_LAYER.pastValue, dtype, kvShape) };
  const offset = op.reshape(g.dimValue('P'), []);
  const positions = op.add(op.arange('T', hidden), offset);
  const keyPositions = op.arange(g.sumDim('P', 'T'), hidden);
  let present: { k: Value; v: Value } | undefined;
  const inputs: AttentionInputs = {
    B: 1,
    T: 'T',
    positions,
    bias: attentionBias(positions, keyPositions, dtype, spec.slidingWindow !== undefined ? { slidingWindow: spec.slidingWindow } : {}),
    ...(spec.positions.kind === 'rope' ? { rope: ropeTables(positions, spec.positions.rope, dtype) } : {}),
    cache: () => ({
      past,
      present: (k, v) => {
        present = { k, v };
      },
    }),
  };
  g.output(arch.block(ctx, hidden, 0, inputs), DECODE_LAYER.out);
  g.output(present!.k, DECODE_LAYER.presentKey);
  g.output(present!.v, DECODE_LAYER.presentValue);
  return { graph: g, fed: ctx.fed };
}
