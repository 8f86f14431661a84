import { SpsError } from '../../../shared/errors.js';
import type { Graph, Value } from '../../onnx/graph.js';
import { liveNodes } from '../../onnx/serialize.js';

/** Graph input (of a backward graph) and output (of a forward graph) names of saved values. */
export const SAVED_PREFIX = 'saved.';

/** The value behind a chain of Casts (a weight the builder widened to the compute dtype). */
function behindCasts(v: Value): Value {
  let x = v;
  while (x.producer?.opType === 'Cast' && x.producer.inputs[0]) x = x.producer.inputs[0];
  return x;
}

/**
 * Outputs of the MatMul / Gemm nodes of `g` that multiply by a weight (`isWeight` is asked
 * about the value behind any Casts): the q, k, v, o, gate, up, down projections of a block.
 */
export function weightProducts(g: Graph, isWeight: (v: Value) => boolean): Value[] {
  return g.nodes.filter((n) => (n.opType === 'MatMul' || n.opType === 'Gemm') && n.inputs.slice(0, 2).some((i) => i !== undefined && isWeight(behindCasts(i)))).map((n) => n.outputs[0]!);
}

/**
 * Selective recomputation for a backward graph that recomputes its forward: each of `values`
 * becomes a graph input `saved.<name>`, read by every node that read the value, so the nodes
 * that computed it — the weight products — drop out at serialisation (liveNodes) unless
 * something else still needs their inputs' work. The backward of a product by a frozen weight,
 * dY·Wᵀ, needs neither its input nor its output, so what stays is the cheap element-wise part
 * of the forward (norms, RoPE, SiLU, the residual) and the small attention products.
 *
 * Returns the names of the values still read by a live node (the forward must hand those
 * over); inputs for the others are removed again (e.g. the down projection's output, whose
 * only reader was the residual Add, which the backward does not need).
 */
export function feedSavedValues(g: Graph, values: readonly Value[]): string[] {
  const inputs = values.map((v) => {
    const input = g.input(`${SAVED_PREFIX}${v.name}`, v.dtype, v.shape);
    g.replaceUses(v, input);
    return { v, input };
  });
  const { used } = liveNodes(g);
  const kept: string[] = [];
  for (const { v, input } of inputs) {
    if (used.has(input.name)) kept.push(v.name);
    else g.removeInput(input);
  }
  return kept;
}

/** The node outputs of `g` with these names (a forward graph built as the backward's trunk was). */
export function valuesNamed(g: Graph, names: readonly string[]): Value[] {
  const byName = new Map<string, Value>();
  for (const n of g.nodes) for (const o of n.outputs) byName.set(o.name, o);
  return names.map((name) => {
    const v = byName.get(name);
    if (!v) throw new SpsError('INTERNAL', `graph "${g.name}" has no value named ${name} (saved values must come from the same trunk)`);
    return v;
  });
}
