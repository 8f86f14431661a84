import type { DType } from '../onnx/dtype.js';
import type { Graph } from '../onnx/graph.js';
import * as op from '../onnx/ops/index.js';
import type { LoadedModel } from '../models/load_model.js';
import { buildTrunk, INPUT, logitsAt } from './transformer.js';

export const SCORE_OUTPUT = 'logprobs';

/**
 * Scoring graph for evaluation: log p(label_k | everything before it) for each label row,
 * [K]. Validation loss, perplexity and classification by verbalizer all derive from it.
 * No gradient, so it costs one forward pass.
 */
export function buildScoreGraph(model: LoadedModel, opts: { numVirtualTokens: number; dtype: DType }): Graph {
  const trunk = buildTrunk(model, 'score', opts);
  const g = trunk.ctx.graph;
  const positions = g.input(INPUT.positions, 'int64', ['K']);
  const labels = g.input(INPUT.labels, 'int64', ['K']);
  const logp = op.logSoftmax(logitsAt(model, trunk, positions), -1);
  g.output(op.squeeze(op.gatherElements(logp, op.unsqueeze(labels, [1]), 1), [1]), SCORE_OUTPUT);
  return g;
}
