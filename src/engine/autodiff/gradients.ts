import { SpsError } from '../../shared/errors.js';
import { isFloat } from '../onnx/dtype.js';
import type { Node, Value } from '../onnx/graph.js';
import * as op from '../onnx/ops/index.js';
import { GRAD_RULES } from './registry.js';

/**
 * Reverse-mode differentiation of a builder graph: emits, into the same graph, nodes computing
 * d(loss)/d(x) for each x in `wrt`. Only nodes on a path from some x to the loss are
 * differentiated, so frozen weights cost nothing beyond the activations' gradients.
 * `seed` is d(final)/d(loss), default 1 (loss must then be a scalar).
 */
export function gradients(loss: Value, wrt: readonly Value[], seed?: Value): Value[] {
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

  for (const node of pathNodes) {
    const dys = node.outputs.map((o) => grads.get(o.name));
    if (dys.every((d) => d === undefined)) continue;
    const rule = GRAD_RULES.get(node.opType);
    if (!rule) throw new SpsError('INTERNAL', `no gradient rule for op ${node.opType} (node ${node.name})`);
    const needs = (i: number) => {
      const v = node.inputs[i];
      return v !== undefined && onPath.has(v.name);
    };
    const dxs = rule(node, dys, needs);
    node.inputs.forEach((inp, i) => {
      if (!inp || !needs(i)) return;
      const dx = dxs[i];
      if (!dx) throw new SpsError('INTERNAL', `gradient rule for ${node.opType} gave no gradient for input ${i} of ${node.name}`);
      const prev = grads.get(inp.name);
      grads.set(inp.name, prev ? op.add(prev, dx) : dx);
    });
  }

  return wrt.map((x) => grads.get(x.name) ?? op.zerosLike(x));
}
