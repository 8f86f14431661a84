import { gradients } from '../../autodiff/gradients.js';
import type { DType } from '../../onnx/dtype.js';
import { Graph, type Value } from '../../onnx/graph.js';
import { liveNodes } from '../../onnx/serialize.js';
import type { LoadedModel } from '../../models/load_model.js';
import { rowsDim, sequenceInputs } from '../rows.js';
import { FedWeightContext, type FedWeight } from './fed_weights.js';
import { feedSavedValues, SAVED_PREFIX, valuesNamed, weightProducts } from './saved_values.js';

/** Input and output names of the per-layer graphs. */
export const LAYER = {
  hidden: 'hidden',
  /** The tokens' attention mask [B, L] (the prompt's rows are always attended to). */
  mask: 'attention_mask',
  gradOut: 'grad_hidden_out',
  out: 'hidden_out',
  gradIn: 'grad_hidden',
  /** The last layer's kept rows, int64 [K] (the label rows; `LayerGraphOptions.outputRows`). */
  rows: 'output_rows',
} as const;

/** A graph whose weights are inputs, with the list of what feeds them. */
export interface FedGraph {
  graph: Graph;
  fed: FedWeight[];
}

interface LayerTrunk {
  g: Graph;
  ctx: FedWeightContext;
  hidden: Value;
  out: Value;
}

/**
 * One decoder block as a graph of its own: hidden [n + B·L, d] (the prompt's rows once, then the
 * tokens', graphs/rows.ts) and the tokens' mask [B, L] in, hidden out, weights as inputs (built
 * for layer 0; fed any layer's tensors). Positions as in the whole-model graphs: the prompt takes
 * 0..n-1, the tokens n..n+L-1.
 */
function layerTrunk(model: LoadedModel, name: string, opts: LayerGraphOptions): LayerTrunk {
  const { spec, arch } = model;
  const { dtype, numVirtualTokens: n } = opts;
  const g = new Graph(opts.outputRows ? `${name}_rows` : name);
  const ctx = new FedWeightContext(g, spec, model.weights, dtype, { prefix: arch.layerPrefix(0), prefixOf: (i) => arch.layerPrefix(i) });
  const mask = g.input(LAYER.mask, 'int64', ['B', 'L']);
  const hidden = g.input(LAYER.hidden, dtype, [rowsDim(g, n, 'B', 'L'), spec.hiddenSize]);
  const inputs = sequenceInputs(g, spec, dtype, n, 'B', 'L', mask);
  if (opts.outputRows) inputs.outputRows = g.input(LAYER.rows, 'int64', ['K']);
  return { g, ctx, hidden, out: arch.block(ctx, hidden, 0, inputs) };
}

/** Options of the per-layer graphs. */
export interface LayerGraphOptions {
  dtype: DType;
  /** The soft prompt's rows (0: none). */
  numVirtualTokens: number;
  /**
   * The layer returns only the rows `output_rows` [K] of its output, [K, d] (and its backward
   * takes their gradient): for the last layer, whose only reader is the LM head on the label
   * rows. Its output projection and MLP then run on K rows (models/parts/attention.ts keptRows).
   */
  outputRows?: boolean;
}

/** The forward of one layer: `hidden` → `hidden_out`. */
export function buildLayerForwardGraph(model: LoadedModel, opts: LayerGraphOptions): FedGraph {
  const t = layerTrunk(model, 'layer_forward', opts);
  t.g.output(t.out, LAYER.out);
  return { graph: t.g, fed: t.ctx.fed };
}

/**
 * The backward of one layer with its forward recomputed inside: `hidden` (the layer's saved
 * input) and `grad_hidden_out` (d loss / d its output) → `grad_hidden` (d loss / d its input).
 * Only this layer's intermediates are alive while it runs: the memory of the layer-wise train
 * step is one layer's activations plus the L saved hidden states.
 */
export function buildLayerBackwardGraph(model: LoadedModel, opts: LayerGraphOptions): FedGraph {
  return backwardOf(layerTrunk(model, 'layer_backward', opts), opts.dtype);
}

function backwardOf(t: LayerTrunk, dtype: DType): FedGraph {
  const gradOut = t.g.input(LAYER.gradOut, dtype, t.out.shape);
  const [gradIn] = gradients(t.out, [t.hidden], gradOut);
  t.g.output(gradIn!, LAYER.gradIn);
  return { graph: t.g, fed: t.ctx.fed };
}

/** The per-layer graphs of a train step whose backward is fed the forward's weight products. */
export interface SavedProductGraphs {
  /** `hidden` → `hidden_out` and the saved values. */
  forward: FedGraph;
  /** `hidden`, `grad_hidden_out` and the saved values → `grad_hidden`. */
  backward: FedGraph;
  /**
   * Each saved value: the forward's output (the value under its own name — renaming it would
   * add an Identity, a copy of every product on every run) and the backward's input `saved.<name>`.
   */
  saved: { output: string; input: string }[];
}

/**
 * Layer-wise with saved weight products (selective recomputation): the forward also hands
 * over the outputs of the block's products by a weight that the backward reads (saved_values.ts
 * finds them: o, gate, up — not down) and the attention's operands the builder marks
 * (`Graph.handOver`: queries and keys after RoPE, values in head layout, which replace the
 * q, k, v products: the same number of floats, and the backward skips RoPE and the head
 * transposes), and the backward, fed them, recomputes only the element-wise parts and the
 * attention scores. Prompt tuning trains no weight, and the
 * backward of Y = X·W w.r.t. X is dY·Wᵀ, so those products are never recomputed: the backward
 * costs about one backward, at the price of keeping those outputs for every layer.
 */
export function buildSavedProductGraphs(model: LoadedModel, opts: LayerGraphOptions): SavedProductGraphs {
  const b = layerTrunk(model, 'layer_backward_saved', opts);
  const isWeight = (v: Value): boolean => b.ctx.fed.some((f) => f.input === v.name);
  // Taken before the gradient is built: its dY·Wᵀ products are not values the forward has.
  const candidates = [...weightProducts(b.g, isWeight), ...b.g.handOver];
  const backward = backwardOf(b, opts.dtype);
  const names = feedSavedValues(backward.graph, candidates);
  const f = layerTrunk(model, 'layer_forward_saved', opts);
  f.g.output(f.out, LAYER.out);
  for (const v of valuesNamed(f.g, names)) f.g.output(v);
  return { forward: { graph: f.g, fed: f.ctx.fed }, backward: withoutUnusedWeights(backward), saved: names.map((n) => ({ output: n, input: `${SAVED_PREFIX}${n}` })) };
}

/**
 * Drops the weight inputs no live node reads (the biases of saved products: their Add was in
 * the product's node), so they are neither read from the file nor fed.
 */
function withoutUnusedWeights(fg: FedGraph): FedGraph {
  const { used } = liveNodes(fg.graph);
  const unused = fg.graph.inputs.filter((v) => !used.has(v.name) && fg.fed.some((f) => f.input === v.name));
  for (const v of unused) fg.graph.removeInput(v);
  return { graph: fg.graph, fed: fg.fed.filter((f) => used.has(f.input)) };
}
