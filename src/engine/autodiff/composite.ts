import { SpsError } from '../../shared/errors.js';
import type { Graph, Node, Value } from '../onnx/graph.js';
import type { Composite } from './grad_context.js';
import { COMPOSITE_RULES } from './registry.js';

/**
 * The composites of each graph, by the node that computes their output. Kept beside the graph
 * rather than in it: the graph holds only the plain ops, exactly as without composites, so
 * serialisation, pattern fusions (onnx/fuse_rms_norm.ts, onnxruntime's own) and rewrites
 * (half precision, saved products) see what they always saw.
 */
const byGraph = new WeakMap<Graph, Map<Node, Composite>>();

/**
 * Marks the ops a model part just built, from `inputs` to `output`, as one composite whose
 * gradient is the rule registered for `kind`; `internals` are values inside the region that the
 * rule reads. Returns `output`, so a builder can `return markComposite(...)`.
 */
export function markComposite(kind: string, output: Value, inputs: readonly Value[], internals: Readonly<Record<string, Value>> = {}): Value {
  const what = `composite ${kind} (output ${output.name})`;
  if (!COMPOSITE_RULES.has(kind)) throw new SpsError('INTERNAL', `${what}: no composite rule is registered for "${kind}"`);
  const producer = output.producer;
  if (!producer || producer.outputs.length !== 1) throw new SpsError('INTERNAL', `${what}: the output must be the only output of a node`);
  const region = regionNodes(output, inputs, what);
  for (const [name, v] of Object.entries(internals)) {
    if (!v.producer || !region.has(v.producer)) throw new SpsError('INTERNAL', `${what}: internal value "${name}" (${v.name}) is not computed inside the region`);
  }
  let marks = byGraph.get(output.graph);
  if (!marks) byGraph.set(output.graph, (marks = new Map()));
  if (marks.has(producer)) throw new SpsError('INTERNAL', `${what}: the output is already marked as composite ${marks.get(producer)!.kind}`);
  marks.set(producer, { kind, output, inputs: [...inputs], internals: { ...internals } });
  return output;
}

/**
 * The composite whose output `node` computes, if any. Its region is checked again here: a
 * rewrite since the marking (Graph.replaceUses) that made it read a value other than its inputs
 * would otherwise get a gradient that silently misses that value.
 */
export function compositeAt(node: Node, graph: Graph): Composite | undefined {
  const c = byGraph.get(graph)?.get(node);
  if (c) regionNodes(c.output, c.inputs, `composite ${c.kind} (output ${c.output.name})`);
  return c;
}

/**
 * The nodes between `inputs` and `output`. Every value the region reads must be one of the
 * inputs or a constant (ε, 1): the rule differentiates with respect to the inputs only.
 */
function regionNodes(output: Value, inputs: readonly Value[], what: string): Set<Node> {
  const stop = new Set(inputs.map((v) => v.name));
  const nodes = new Set<Node>();
  const pending: Value[] = [output];
  for (let v = pending.pop(); v; v = pending.pop()) {
    if (stop.has(v.name)) continue;
    const p = v.producer;
    if (!p) {
      if (v.graph.initializers.get(v.name)?.tensor.kind !== 'const') throw new SpsError('INTERNAL', `${what}: the region reads ${v.name}, which is neither one of its inputs nor a constant`);
      continue;
    }
    if (nodes.has(p)) continue;
    nodes.add(p);
    for (const i of p.inputs) if (i) pending.push(i);
  }
  return nodes;
}
