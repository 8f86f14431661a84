import { gradients } from '../../autodiff/gradients.js';
import { SpsError } from '../../../shared/errors.js';
import type { DType } from '../../onnx/dtype.js';
import { Graph, type Value } from '../../onnx/graph.js';
import * as op from '../../onnx/ops/index.js';
import type { LoadedModel } from '../../models/load_model.js';
import type { TensorInfo } from '../../weights/safetensors_read.js';
import { feedDTypeOf } from '../../weights/weight_stream.js';
import { FedWeightContext } from './fed_weights.js';
import type { FedGraph } from './layer_graphs.js';

/** Input and output names of the head graphs. */
export const HEAD = {
  /** Final hidden states (before the final norm) of the rows to score, [R, d]. */
  rows: 'hidden_rows',
  /** The same rows after the final norm, [R, d]. */
  normed: 'normed_rows',
  gradNormed: 'grad_normed_rows',
  gradRows: 'grad_rows',
  /** Rows [S, d] of the LM head matrix: the vocabulary slice a run covers. */
  slice: 'w.head_slice',
  /** Per row, the label's index inside the slice (clamped into it; the host keeps only rows whose label is there). */
  sliceLabels: 'slice_label_ids',
  logits: 'logits',
  /** Per row, the largest logit of the slice, [R]. */
  sliceMax: 'slice_max',
  /** Per row, Σ exp(logit − slice_max) over the slice, [R]. */
  sliceSumExp: 'slice_sum_exp',
  /** Per row, the logit at `slice_label_ids`, [R]. */
  sliceLabelLogit: 'slice_label_logit',
  /** Per row, Σ_v exp(logit_v − slice_max) · W[v] over the slice, [R, d]: the softmax's share of d loss / d normed. */
  sliceExpRows: 'slice_exp_rows',
} as const;

/** The final norm of the rows: `hidden_rows` → `normed_rows`. */
export function buildHeadNormGraph(model: LoadedModel, opts: { dtype: DType }): FedGraph {
  const g = new Graph('head_norm');
  const ctx = new FedWeightContext(g, model.spec, model.weights, opts.dtype);
  const rows = g.input(HEAD.rows, opts.dtype, ['R', model.spec.hiddenSize]);
  g.output(model.arch.finalNorm(ctx, rows), HEAD.normed);
  return { graph: g, fed: ctx.fed };
}

/** The final norm's backward: `hidden_rows` and d loss / d `normed_rows` → d loss / d `hidden_rows`. */
export function buildHeadNormBackwardGraph(model: LoadedModel, opts: { dtype: DType }): FedGraph {
  const g = new Graph('head_norm_backward');
  const ctx = new FedWeightContext(g, model.spec, model.weights, opts.dtype);
  const rows = g.input(HEAD.rows, opts.dtype, ['R', model.spec.hiddenSize]);
  const normed = model.arch.finalNorm(ctx, rows);
  const gradNormed = g.input(HEAD.gradNormed, opts.dtype, normed.shape);
  const [gradRows] = gradients(normed, [rows], gradNormed);
  g.output(gradRows!, HEAD.gradRows);
  return { graph: g, fed: ctx.fed };
}

/**
 * A context whose LM head matrix [V, d] is the graph input `w.head_slice` [S, d]: a slice of
 * the vocabulary, fed by the host (HeadChunks) from the file slice by slice, so that the head
 * is never held whole (and half weights are widened one slice at a time).
 */
class HeadSliceContext extends FedWeightContext {
  headTensor: TensorInfo | undefined;

  protected override weightValue(name: string, info: TensorInfo): Value {
    const { vocabSize: V, hiddenSize: d } = this.spec;
    if (info.shape.length !== 2 || info.shape[0] !== V || info.shape[1] !== d || (this.headTensor && this.headTensor !== info)) {
      throw new SpsError('INTERNAL', `the LM head reads ${name} [${info.shape.join(', ')}]; vocabulary slicing expects one [${V}, ${d}] matrix`);
    }
    this.headTensor = info;
    return op.cast(this.graph.input(HEAD.slice, feedDTypeOf(info.dtype, name, info.file), ['S', d]), this.dtype);
  }
}

export interface HeadSliceGraph extends FedGraph {
  /** The checkpoint tensor the slices are cut from (the LM head, or the tied embedding). */
  head: TensorInfo;
}

/**
 * The LM head over one vocabulary slice, for `normed_rows` [R, d] and `w.head_slice` [S, d]:
 * - 'logits': the logits [R, S];
 * - 'stats': per row the slice's max logit, Σ exp(logit − max), and the label's logit — enough
 *   for the host to combine slices into log-sum-exp (an online softmax, as flash attention does);
 * - 'grad': 'stats' plus Σ_v exp(logit_v − max) W[v] [R, d] (the softmax term of the gradient
 *   with respect to the normed rows, for this slice, before the host rescales and normalises it).
 */
export function buildHeadSliceGraph(model: LoadedModel, opts: { dtype: DType; kind: 'logits' | 'stats' | 'grad' }): HeadSliceGraph {
  const g = new Graph(`head_slice_${opts.kind}`);
  const ctx = new HeadSliceContext(g, model.spec, model.weights, opts.dtype);
  const normed = g.input(HEAD.normed, opts.dtype, ['R', model.spec.hiddenSize]);
  const logits = model.arch.lmHead(ctx, normed);
  if (opts.kind === 'logits') {
    g.output(logits, HEAD.logits);
  } else {
    const labels = g.input(HEAD.sliceLabels, 'int64', ['R']);
    const max = op.reduceMax(logits, [1], true);
    const e = op.exp(op.sub(logits, max));
    g.output(op.squeeze(max, [1]), HEAD.sliceMax);
    g.output(op.reduceSum(e, [1], false), HEAD.sliceSumExp);
    g.output(op.squeeze(op.gatherElements(logits, op.unsqueeze(labels, [1]), 1), [1]), HEAD.sliceLabelLogit);
    if (opts.kind === 'grad') {
      const [expRows] = gradients(logits, [normed], e);
      g.output(expRows!, HEAD.sliceExpRows);
    }
  }
  if (!ctx.headTensor) throw new SpsError('INTERNAL', 'the architecture built an LM head without a weight matrix');
  return { graph: g, fed: ctx.fed, head: ctx.headTensor };
}
