import { mulDims } from '../onnx/dims.js';
import type { DType } from '../onnx/dtype.js';
import { Graph, type Value } from '../onnx/graph.js';
import * as op from '../onnx/ops/index.js';
import { BuildContext } from '../models/build_context.js';
import type { LoadedModel } from '../models/load_model.js';
import { sequenceInputs } from './rows.js';

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
  /** Hidden states, [n + B·L, d]: the prompt's rows once, then every sequence's tokens (rows.ts). */
  hidden: Value;
}

/**
 * The frozen model with the soft prompt in front, exactly as PEFT's PROMPT_TUNING: the prompt
 * [n, d] comes before every sequence's token embeddings (before BOS), always attended to, and
 * positions run 0..n+L-1. Its rows are computed once for the batch (rows.ts).
 */
export function buildTrunk(model: LoadedModel, graphName: string, opts: TrunkOptions): Trunk {
  const g = new Graph(graphName);
  const ctx = new BuildContext(g, model.spec, model.weights, opts.dtype);
  const d = model.spec.hiddenSize;
  const n = opts.numVirtualTokens;
  const ids = g.input(INPUT.ids, 'int64', ['B', 'L']);
  const mask = g.input(INPUT.mask, 'int64', ['B', 'L']);
  const inputs = sequenceInputs(g, model.spec, opts.dtype, n, 'B', 'L', mask);
  const tokens = op.reshape(model.arch.addPositions(ctx, model.arch.embedTokens(ctx, ids), inputs.positions), [mulDims('B', 'L'), d]);
  let h = tokens;
  let prompt: Value | undefined;
  if (inputs.sharedPrompt) {
    prompt = g.input(INPUT.prompt, opts.dtype, [n, d]);
    h = op.concat([model.arch.addPositions(ctx, prompt, inputs.sharedPrompt.positions), tokens], 0);
  }
  return { ctx, prompt, hidden: model.arch.blocks(ctx, h, inputs) };
}

/** Final norm and LM head on selected rows only (positions index the rows, rows.ts). */
export function logitsAt(model: LoadedModel, trunk: Trunk, positions: Value): Value {
  const rows = op.gather(trunk.hidden, positions, 0);
  return model.arch.lmHead(trunk.ctx, model.arch.finalNorm(trunk.ctx, rows));
}
