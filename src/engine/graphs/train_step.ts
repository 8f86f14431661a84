import { SpsError } from '../../shared/errors.js';
import { gradients } from '../autodiff/gradients.js';
import type { DType } from '../onnx/dtype.js';
import type { Graph } from '../onnx/graph.js';
import * as op from '../onnx/ops/index.js';
import type { LoadedModel } from '../models/load_model.js';
import { buildTrunk, INPUT, logitsAt } from './transformer.js';

export const TRAIN_OUTPUT = { loss: 'loss', grad: 'grad_soft_prompt' } as const;
/** The optional float32 scalar input that scales the backward (loss scaling for half precision). */
export const LOSS_SCALE_INPUT = 'loss_scale';

/**
 * The train step: loss = token-level mean cross-entropy over the label rows, and
 * d(loss)/d(soft prompt) by our reverse-mode autodiff. Inputs as the forward graph, plus
 * label_ids [K] (the target token of each row in positions [K]). Logits exist only for the
 * K label rows, never for the whole sequence.
 *
 * The cross-entropy's own gradient is written in closed form, d loss / d logits =
 * (softmax − onehot(labels)) / K: one exponentiation and one scaling over the [K, vocab]
 * logits plus a K-element scatter, where differentiating LogSoftmax → GatherElements → mean
 * op by op costs a zero-fill, a scatter into it and three more passes (about 5% of a step on
 * a 49k vocabulary). Autodiff takes it from there through the model.
 */
export function buildTrainStepGraph(model: LoadedModel, opts: { numVirtualTokens: number; dtype: DType; lossScale?: boolean }): Graph {
  if (opts.numVirtualTokens < 1) throw new SpsError('INVALID_ARGUMENT', 'a train step needs at least one virtual token');
  const trunk = buildTrunk(model, 'train_step', opts);
  const g = trunk.ctx.graph;
  const positions = g.input(INPUT.positions, 'int64', ['K']);
  const labels = g.input(INPUT.labels, 'int64', ['K']);
  const logits = logitsAt(model, trunk, positions);
  const logp = op.logSoftmax(logits, -1);
  const targets = op.unsqueeze(labels, [1]); // [K, 1]
  const picked = op.gatherElements(logp, targets, 1); // [K, 1]
  // The loss output is named before differentiation, so every backward node follows it.
  g.output(op.neg(op.reduceMean(picked, [0, 1], false)), TRAIN_OUTPUT.loss);
  const invK = op.reciprocal(op.cast(op.reshape(g.dimValue('K'), []), opts.dtype));
  let dLogits = op.scatterElements(op.mul(op.exp(logp), invK), targets, op.expand(op.neg(invK), ['K', 1]), 1, 'add');
  // With lossScale the backward is seeded with d(loss × scale)/d logits and the gradient
  // output is scaled too (the runner divides it out in float64).
  if (opts.lossScale) dLogits = op.mul(dLogits, g.input(LOSS_SCALE_INPUT, opts.dtype, []));
  const [grad] = gradients(logits, [trunk.prompt!], dLogits);
  g.output(grad!, TRAIN_OUTPUT.grad);
  return g;
}
