import type { DType } from '../onnx/dtype.js';
import type { Graph } from '../onnx/graph.js';
import type { LoadedModel } from '../models/load_model.js';
import { buildTrunk, INPUT, logitsAt } from './transformer.js';

/**
 * Scoring / generation graph. Inputs: soft_prompt [n, d] (when n > 0), input_ids [B, L],
 * attention_mask [B, L], positions [K] (rows of the [n + B·L] hidden states, graphs/rows.ts).
 * Output: logits [K, V] at those rows only.
 */
export function buildForwardGraph(model: LoadedModel, opts: { numVirtualTokens: number; dtype: DType }): Graph {
  const trunk = buildTrunk(model, 'forward', opts);
  const g = trunk.ctx.graph;
  const positions = g.input(INPUT.positions, 'int64', ['K']);
  g.output(logitsAt(model, trunk, positions), 'logits');
  return g;
}
