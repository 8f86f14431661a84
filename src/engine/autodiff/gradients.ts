import { SpsError } from '../../shared/errors.js';
import { isFloat } from '../onnx/dtype.js';
import type { Node, Value } from '../onnx/graph.js';
import * as op from '../onnx/ops/index.js';
import { compositeAt } from './composite.js';
import { COMPOSITE_RULES, GRAD_RULES } from './registry.js';

/**
 * Reverse-mode differentiation of a builder graph: emits, into the same graph, nodes computing
 * d(loss)/d(x) for each x in `wrt`. Only nodes on a path from some x to the loss are
 * differentiated, so frozen weights cost nothing beyond the activations' gradients.
 * `seed` is d(final)/d(loss), default 1 (loss must then be a scalar).
 * Regions marked as composites (composite.ts) are differentiated by their rules unless
 * `opts.composites` is false (then by their ops' rules: the reference the rules are checked against).
 */
export function gradients(loss: Value, wrt: readonly Value[], seed?: Value, opts: { composites?: boolean } = {}): Value[] {
  const graph = loss.graph;
  const nodes = graph.nodes;

  // Forward reachability from the differentiated inputs. Only floating-point values carry a
  // gradient: Shape/Equal/Cast-to-int outputs computed from x (runtime dims of a symbolic
  // Reshape, a Where condition) are not on a differentiable path.
  const fromWrt = new Set<string>(wrt.map((v) => v.name));
  for (const node of nodes) {
    if (node.inputs.some((i) => i && fromWrt.has(i.name))) for (const o of node.outputs) if (isFloat(o.dtype)) fromWrt.add(o.name);
  }
  if (!fromWrt.has(loss.name)) throw new SpsError('INTERNAL', `gradients: ${loss.name} does not depend on any of ${wrt.map((v) => v.name).join(', ')}`);

  // Backward reachability from the loss, restricted to the forward set.
  const onPath = new Set<string>([loss.name]);
  const pathNodes: Node[] = [];
  const end = loss.producer ? nodes.indexOf(loss.producer) : -1;
  for (let i = end; i >= 0; i--) {
    const node = nodes[i]!;
    if (!node.outputs.some((o) => onPath.has(o.name))) continue;
    pathNodes.push(node);
    for (const inp of node.inputs) if (inp && fromWrt.has(inp.name)) onPath.add(inp.name);
  }

  const grads = new Map<string, Value>();
  if (seed) {
    grads.set(loss.name, seed);
  } else {
    if (loss.rank !== 0) throw new SpsError('INTERNAL', `gradients: loss ${loss} must be a scalar without a seed`);
    grads.set(loss.name, graph.scalar(1, loss.dtype));
  }

  /** Adds each needed input's gradient to what its other readers gave it. */
  const accumulate = (inputs: readonly (Value | undefined)[], dxs: readonly (Value | undefined)[], what: string) => {
    inputs.forEach((inp, i) => {
      if (!inp || !onPath.has(inp.name)) return;
      const dx = dxs[i];
      if (!dx) throw new SpsError('INTERNAL', `gradient rule for ${what} gave no gradient for input ${i}`);
      const prev = grads.get(inp.name);
      grads.set(inp.name, prev ? op.add(prev, dx) : dx);
    });
  };

  for (const node of pathNodes) {
    const dys = node.outputs.map((o) => grads.get(o.name));
    if (dys.every((d) => d === undefined)) continue;
    // A composite's output: its rule takes the output's gradient straight to the region's
    // inputs, and this node's own rule is skipped, so nothing of it reaches the nodes inside.
    // Those are still walked below with the standard rules, so a value inside that is also
    // read outside the region passes on the gradient from those readers (and only that).
    const composite = opts.composites === false ? undefined : compositeAt(node, graph);
    if (composite) {
      const rule = COMPOSITE_RULES.get(composite.kind)!;
      const needs = (i: number) => onPath.has(composite.inputs[i]!.name);
      accumulate(composite.inputs, rule(composite, dys[0]!, needs), `composite ${composite.kind} (output ${composite.output.name})`);
      continue;
    }
    const rule = GRAD_RULES.get(node.opType);
    if (!rule) throw new SpsError('INTERNAL', `no gradient rule for op ${node.opType} (node ${node.name})`);
    const needs = (i: number) => {
      const v = node.inputs[i];
      return v !== undefined && onPath.has(v.name);
    };
    accumulate(node.inputs, rule(node, dys, needs), `${node.opType} (node ${node.name})`);
  }

  return wrt.map((x) => grads.get(x.name) ?? op.zerosLike(x));
}
