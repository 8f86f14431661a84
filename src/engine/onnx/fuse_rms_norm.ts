import { attr, Graph, type Node, type Value } from './graph.js';
import { liveNodes } from './serialize.js';

/**
 * One RMSNorm as rmsNorm (models/parts/norms.ts) builds it:
 *   Mul(x, x) → ReduceMean(last axis, keepdims) → Add(ε) → Sqrt → Div(x, ·) → Mul(·, w)
 * with every intermediate read only inside the chain.
 */
interface RmsNormMatch {
  x: Value;
  weight: Value;
  epsilon: number;
  /** The five nodes before the final Mul, which the fused node replaces. */
  inner: Node[];
}

function scalarConstant(graph: Graph, v: Value): number | undefined {
  const init = graph.initializers.get(v.name);
  if (init?.tensor.kind !== 'const' || init.tensor.data.length !== 1) return undefined;
  return Number(init.tensor.data[0]);
}

function matchAt(graph: Graph, mul: Node, readers: Map<string, number>): RmsNormMatch | undefined {
  if (mul.opType !== 'Mul' || mul.inputs.length !== 2) return undefined;
  const only = (v: Value | undefined): Node | undefined => (v && readers.get(v.name) === 1 ? v.producer : undefined);
  for (const k of [0, 1]) {
    const div = only(mul.inputs[k]);
    const weight = mul.inputs[1 - k];
    if (div?.opType !== 'Div' || !weight || weight.rank !== 1) continue;
    const [x, den] = div.inputs;
    const sqrt = only(den);
    if (!x || x.dtype !== 'float32' || sqrt?.opType !== 'Sqrt') continue;
    const add = only(sqrt.inputs[0]);
    if (add?.opType !== 'Add') continue;
    for (const j of [0, 1]) {
      const mean = only(add.inputs[j]);
      const epsilon = add.inputs[1 - j] ? scalarConstant(graph, add.inputs[1 - j]!) : undefined;
      if (mean?.opType !== 'ReduceMean' || epsilon === undefined) continue;
      const axes = mean.attrs.axes;
      const keep = mean.attrs.keepdims;
      if (axes?.kind !== 'ints' || axes.value.length !== 1 || axes.value[0] !== x.rank - 1 || keep?.kind !== 'int' || keep.value !== 1) continue;
      const square = only(mean.inputs[0]);
      if (square?.opType !== 'Mul' || square.inputs[0] !== x || square.inputs[1] !== x) continue;
      if (weight.shape[0] !== x.shape[x.rank - 1]) continue;
      return { x, weight, epsilon, inner: [square, mean, add, sqrt, div] };
    }
  }
  return undefined;
}

/**
 * Replaces each RMSNorm chain whose intermediates nothing else reads by onnxruntime's
 * SimplifiedLayerNormalization (its own ai.onnx-domain op, float32 statistics: stash_type 1):
 * one kernel instead of six on providers whose optimizer does not fuse the chain itself
 * (WebGPU; and ours is not the Pow-based pattern ORT's CPU/CUDA fusion looks for, nor is a fed
 * scale the constant it wants). Chains whose intermediates the backward reads (autodiff of
 * the norm) are left as they are, so backward graphs keep their exact forward.
 */
export function fuseRmsNorm(graph: Graph): { graph: Graph; fused: number } {
  // Live nodes only (a graph fed saved values keeps dead nodes that read removed inputs).
  const nodes = liveNodes(graph).nodes;
  const readers = new Map<string, number>();
  const read = (v: Value | undefined) => v && readers.set(v.name, (readers.get(v.name) ?? 0) + 1);
  for (const n of nodes) n.inputs.forEach(read);
  for (const v of graph.outputs) read(v);
  const matches = new Map<Node, RmsNormMatch>();
  const skip = new Set<Node>();
  for (const n of nodes) {
    const m = matchAt(graph, n, readers);
    if (!m) continue;
    matches.set(n, m);
    m.inner.forEach((i) => skip.add(i));
  }
  if (matches.size === 0) return { graph, fused: 0 };

  const g = new Graph(graph.name);
  const map = new Map<string, Value>();
  for (const v of graph.inputs) map.set(v.name, g.input(v.name, v.dtype, v.shape));
  for (const [name, { value, tensor }] of graph.initializers) {
    map.set(value.name, tensor.kind === 'const' ? g.constant(tensor.data, tensor.dtype, tensor.shape, name) : g.external(name, tensor));
  }
  const get = (v: Value | undefined): Value | undefined => (v ? map.get(v.name) : undefined);
  for (const node of nodes) {
    if (skip.has(node)) continue;
    const m = matches.get(node);
    const out = node.outputs[0]!;
    if (m) {
      const fused = g.addNode('SimplifiedLayerNormalization', [get(m.x), get(m.weight)], { axis: attr.int(-1), epsilon: attr.float(m.epsilon), stash_type: attr.int(1) }, [{ dtype: out.dtype, shape: out.shape }], `${node.name}_rmsnorm`)[0]!;
      map.set(out.name, fused);
      continue;
    }
    const outs = g.addNode(node.opType, node.inputs.map(get), node.attrs, node.outputs.map((o) => ({ dtype: o.dtype, shape: o.shape })), `${node.name}_f`);
    node.outputs.forEach((o, i) => map.set(o.name, outs[i]!));
  }
  for (const v of graph.outputs) g.output(map.get(v.name)!, v.name);
  return { graph: g, fused: matches.size };
}
