import { mulDims, type Dim } from '../onnx/dims.js';
import type { DType } from '../onnx/dtype.js';
import { Graph, type Value } from '../onnx/graph.js';
import * as op from '../onnx/ops/index.js';
import { BuildContext } from '../models/build_context.js';
import type { LoadedModel } from '../models/load_model.js';
import { attentionBias, type AttentionInputs } from '../models/parts/attention.js';
import { ropeTables } from '../models/parts/rope.js';

/** Graph input names shared by the forward and train-step graphs. */
export const INPUT = {
  prompt: 'soft_prompt',
  ids: 'input_ids',
  mask: 'attention_mask',
  positions: 'positions',
  labels: 'label_ids',
} as const;

export interface TrunkOptions {
  /** Virtual tokens n; 0 builds the model without a soft prompt. */
  numVirtualTokens: number;
  dtype: DType;
}

export interface Trunk {
  ctx: BuildContext;
  prompt: Value | undefined;
  /** Hidden states of every position, flattened: [B·T, d] with T = n + L. */
  hidden: Value;
  B: Dim;
  T: Dim;
}

/**
 * The frozen model with the soft prompt in front, exactly as PEFT's PROMPT_TUNING: the prompt
 * [n, d] is prepended to the token embeddings (before BOS), the mask gets n leading ones, and
 * positions run 0..n+L-1.
 */
export function buildTrunk(model: LoadedModel, graphName: string, opts: TrunkOptions): Trunk {
  const g = new Graph(graphName);
  const ctx = new BuildContext(g, model.spec, model.weights, opts.dtype);
  const d = model.spec.hiddenSize;
  const n = opts.numVirtualTokens;
  const ids = g.input(INPUT.ids, 'int64', ['B', 'L']);
  const mask = g.input(INPUT.mask, 'int64', ['B', 'L']);
  const B: Dim = 'B';
  let h = model.arch.embedTokens(ctx, ids);
  let fullMask = mask;
  let prompt: Value | undefined;
  if (n > 0) {
    prompt = g.input(INPUT.prompt, opts.dtype, [n, d]);
    h = op.concat([op.expand(op.unsqueeze(prompt, [0]), [B, n, d]), h], 1);
    fullMask = op.concat([op.fill([B, n], 1, 'int64', ids), mask], 1);
  }
  const T = h.shape[1]!;
  const spec = model.spec;
  const positions = op.arange(T, ids);
  const inputs: AttentionInputs = {
    B,
    T,
    positions,
    bias: attentionBias(positions, positions, opts.dtype, { keyMask: fullMask, ...(spec.slidingWindow !== undefined ? { slidingWindow: spec.slidingWindow } : {}) }),
    ...(spec.positions.kind === 'rope' ? { rope: ropeTables(positions, spec.positions.rope, opts.dtype) } : {}),
  };
  h = model.arch.addPositions(ctx, h, inputs);
  const hidden = model.arch.blocks(ctx, op.reshape(h, [mulDims(B, T), d]), inputs);
  return { ctx, prompt, hidden, B, T };
}

/** Final norm and LM head on selected rows only (positions index the flattened B·T rows). */
export function logitsAt(model: LoadedModel, trunk: Trunk, positions: Value): Value {
  const rows = op.gather(trunk.hidden, positions, 0);
  return model.arch.lmHead(trunk.ctx, model.arch.finalNorm(trunk.ctx, rows));
}
