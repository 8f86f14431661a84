import { gradients } from '../../autodiff/gradients.js';
import type { DType } from '../../onnx/dtype.js';
import { Graph, type Value } from '../../onnx/graph.js';
import * as op from '../../onnx/ops/index.js';
import type { LoadedModel } from '../../models/load_model.js';
import { FedWeightContext } from './fed_weights.js';
import type { FedGraph } from './layer_graphs.js';

/** Input and output names of the head graphs. */
export const HEAD = {
  /** Final hidden states (before the final norm) of the rows to score, [R, d]. */
  rows: 'hidden_rows',
  labels: 'label_ids',
  lossSum: 'loss_sum',
  gradRows: 'grad_rows',
  logprobs: 'logprobs',
  logits: 'logits',
} as const;

function headTrunk(model: LoadedModel, name: string, dtype: DType): { g: Graph; ctx: FedWeightContext; rows: Value; logits: Value } {
  const g = new Graph(name);
  const ctx = new FedWeightContext(g, model.spec, model.weights, dtype);
  const rows = g.input(HEAD.rows, dtype, ['R', model.spec.hiddenSize]);
  const logits = model.arch.lmHead(ctx, model.arch.finalNorm(ctx, rows));
  return { g, ctx, rows, logits };
}

/**
 * Final norm, LM head and cross-entropy for a chunk of R label rows: the summed loss and its
 * gradient with respect to the rows. The caller runs it over chunks of rows, so logits never
 * exist for more than R × vocabulary at once, whatever the number of labelled positions. The
 * cross-entropy's gradient is written in closed form (softmax − onehot), as in train_step.ts.
 */
export function buildHeadLossGraph(model: LoadedModel, opts: { dtype: DType }): FedGraph {
  const { g, ctx, rows, logits } = headTrunk(model, 'head_loss', opts.dtype);
  const labels = g.input(HEAD.labels, 'int64', ['R']);
  const logp = op.logSoftmax(logits, -1);
  const targets = op.unsqueeze(labels, [1]);
  g.output(op.neg(op.reduceSum(op.gatherElements(logp, targets, 1), [0, 1], false)), HEAD.lossSum);
  const dLogits = op.scatterElements(op.exp(logp), targets, op.expand(g.scalar(-1, opts.dtype), ['R', 1]), 1, 'add');
  const [gradRows] = gradients(logits, [rows], dLogits);
  g.output(gradRows!, HEAD.gradRows);
  return { graph: g, fed: ctx.fed };
}

/** log p(label | row) for a chunk of rows, [R] (evaluation; no gradient). */
export function buildHeadScoreGraph(model: LoadedModel, opts: { dtype: DType }): FedGraph {
  const { g, ctx, logits } = headTrunk(model, 'head_score', opts.dtype);
  const labels = g.input(HEAD.labels, 'int64', ['R']);
  const logp = op.logSoftmax(logits, -1);
  g.output(op.squeeze(op.gatherElements(logp, op.unsqueeze(labels, [1]), 1), [1]), HEAD.logprobs);
  return { graph: g, fed: ctx.fed };
}

/** Logits [R, V] for a chunk of rows (generation, the playground). */
export function buildHeadLogitsGraph(model: LoadedModel, opts: { dtype: DType }): FedGraph {
  const { g, ctx, logits } = headTrunk(model, 'head_logits', opts.dtype);
  g.output(logits, HEAD.logits);
  return { graph: g, fed: ctx.fed };
}
