import { SpsError } from '../../shared/errors.js';
import type { DType } from '../onnx/dtype.js';
import { Graph, type Value } from '../onnx/graph.js';
import * as op from '../onnx/ops/index.js';
import { BuildContext } from '../models/build_context.js';
import type { LoadedModel } from '../models/load_model.js';
import { attentionBias, type AttentionInputs } from '../models/parts/attention.js';
import { ropeTables } from '../models/parts/rope.js';
import { mulDims } from '../onnx/dims.js';

export const DECODE = {
  ids: 'input_ids',
  prefix: 'prefix_embeds',
  pastKey: (i: number) => `past_key_${i}`,
  pastValue: (i: number) => `past_value_${i}`,
  presentKey: (i: number) => `present_key_${i}`,
  presentValue: (i: number) => `present_value_${i}`,
  logits: 'logits',
} as const;

/**
 * One graph for generation with a key/value cache (batch 1). Inputs: new token ids [1, S],
 * embeddings to put before them [1, Q, d] (the soft prompt on the first pass, empty after),
 * and each layer's past keys/values [1, KV, P, hd]. Positions continue from P. Outputs the
 * logits of the last position and each layer's keys/values for all P + Q + S positions.
 */
export function buildDecodeGraph(model: LoadedModel, opts: { dtype: DType }): Graph {
  const spec = model.spec;
  const g = new Graph('decode');
  const ctx = new BuildContext(g, spec, model.weights, opts.dtype);
  const d = spec.hiddenSize;
  const ids = g.input(DECODE.ids, 'int64', [1, 'S']);
  const prefix = g.input(DECODE.prefix, opts.dtype, [1, 'Q', d]);
  const past = Array.from({ length: spec.numLayers }, (_, i) => ({
    k: g.input(DECODE.pastKey(i), opts.dtype, [1, spec.numKvHeads, 'P', spec.headDim]),
    v: g.input(DECODE.pastValue(i), opts.dtype, [1, spec.numKvHeads, 'P', spec.headDim]),
  }));
  let h = op.concat([prefix, model.arch.embedTokens(ctx, ids)], 1);
  const T = h.shape[1]!;
  const offset = op.reshape(g.dimValue('P'), []);
  const positions = op.add(op.arange(T, ids), offset);
  const keyPositions = op.arange(g.sumDim('P', T), ids);
  const presents: { k: Value; v: Value }[] = [];
  const inputs: AttentionInputs = {
    B: 1,
    T,
    positions,
    bias: attentionBias(positions, keyPositions, opts.dtype, spec.slidingWindow !== undefined ? { slidingWindow: spec.slidingWindow } : {}),
    ...(spec.positions.kind === 'rope' ? { rope: ropeTables(positions, spec.positions.rope, opts.dtype) } : {}),
    cache: (layer) => ({
      past: past[layer]!,
      present: (k, v) => {
        presents[layer] = { k, v };
      },
    }),
  };
  h = model.arch.addPositions(ctx, h, inputs.positions);
  const hidden = model.arch.blocks(ctx, op.reshape(h, [mulDims(1, T), d]), inputs);
  const last = op.sub(g.dimValue(T), g.int64s([1]));
  g.output(model.arch.lmHead(ctx, model.arch.finalNorm(ctx, op.gather(hidden, last, 0))), DECODE.logits);
  presents.forEach((p, i) => {
    if (!p) throw new SpsError('INTERNAL', `layer ${i} produced no key/value cache`);
    g.output(p.k, DECODE.presentKey(i));
    g.output(p.v, DECODE.presentValue(i));
  });
  return g;
}
