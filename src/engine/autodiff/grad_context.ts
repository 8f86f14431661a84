import { SpsError } from '../../shared/errors.js';
import { dimsEqual, type Shape } from '../onnx/dims.js';
import type { Attr, Node, Value } from '../onnx/graph.js';
import * as op from '../onnx/ops/index.js';

/**
 * A gradient rule: given a forward node and the gradients of its outputs (undefined where an
 * output does not reach the loss), emit nodes computing the gradients of its inputs.
 * `needs(i)` says whether input i lies on a path from a differentiated input; rules must not
 * build nodes for inputs that are not needed, and return undefined there.
 */
export type GradRule = (node: Node, dOutputs: readonly (Value | undefined)[], needs: (input: number) => boolean) => (Value | undefined)[];

export function input(node: Node, i: number): Value {
  const v = node.inputs[i];
  if (!v) throw new SpsError('INTERNAL', `${node.opType} ${node.name}: input ${i} is missing`);
  return v;
}

export function dOut(node: Node, dys: readonly (Value | undefined)[], i = 0): Value {
  const d = dys[i];
  if (!d) throw new SpsError('INTERNAL', `${node.opType} ${node.name}: gradient of output ${i} is missing`);
  return d;
}

export function intAttr(node: Node, name: string, fallback?: number): number {
  const a: Attr | undefined = node.attrs[name];
  if (a === undefined) {
    if (fallback === undefined) throw new SpsError('INTERNAL', `${node.opType} ${node.name}: attribute ${name} is missing`);
    return fallback;
  }
  if (a.kind !== 'int') throw new SpsError('INTERNAL', `${node.opType} ${node.name}: attribute ${name} is not an int`);
  return a.value;
}

export function floatAttr(node: Node, name: string, fallback: number): number {
  const a = node.attrs[name];
  if (a === undefined) return fallback;
  if (a.kind !== 'float') throw new SpsError('INTERNAL', `${node.opType} ${node.name}: attribute ${name} is not a float`);
  return a.value;
}

export function intsAttr(node: Node, name: string): readonly number[] {
  const a = node.attrs[name];
  if (!a || a.kind !== 'ints') throw new SpsError('INTERNAL', `${node.opType} ${node.name}: attribute ${name} is missing`);
  return a.value;
}

/** Reads a constant int64 input (axes, split sizes) that the builder emitted as an initializer. */
export function constInts(node: Node, i: number): number[] {
  const v = input(node, i);
  const init = v.graph.initializers.get(v.name);
  if (!init || init.tensor.kind !== 'const' || !(init.tensor.data instanceof BigInt64Array)) {
    throw new SpsError('INTERNAL', `${node.opType} ${node.name}: input ${i} must be a constant int64 tensor to differentiate`);
  }
  return Array.from(init.tensor.data, Number);
}

/**
 * Sums a broadcast gradient back to the shape of the operand it came from: leading axes the
 * operand lacked are summed away, axes where the operand had size 1 are summed with keepdims.
 */
export function unbroadcast(grad: Value, shape: Shape): Value {
  const lead = grad.rank - shape.length;
  let g = grad;
  if (lead > 0) g = op.reduceSum(g, Array.from({ length: lead }, (_, i) => i), false);
  const axes: number[] = [];
  shape.forEach((d, i) => {
    if (d === 1 && g.shape[i] !== 1) axes.push(i);
    else if (!dimsEqual(d, g.shape[i]!)) throw new SpsError('INTERNAL', `unbroadcast: gradient dim ${g.shape[i]} cannot reduce to ${d}`);
  });
  return axes.length ? op.reduceSum(g, axes, true) : g;
}

/**
 * A region of the forward graph that `gradients()` differentiates as one function (a composite,
 * tfjs's customGrad): `output` as a function of `inputs`, the nodes in between built by a model
 * part (models/parts) as plain ops. `internals` are values inside the region the rule may reuse
 * instead of recomputing them (the forward computes them anyway), e.g. a norm's denominator.
 */
export interface Composite {
  /** Key of its rule in COMPOSITE_RULES (registry.ts). */
  readonly kind: string;
  readonly output: Value;
  readonly inputs: readonly Value[];
  readonly internals: Readonly<Record<string, Value>>;
}

/**
 * A composite's gradient rule: d loss / d each input from d loss / d output alone. As for a
 * GradRule, inputs that `needs(i)` refuses get no nodes and undefined.
 */
export type CompositeRule = (c: Composite, dy: Value, needs: (input: number) => boolean) => (Value | undefined)[];

export function internalValue(c: Composite, name: string): Value {
  const v = c.internals[name];
  if (!v) throw new SpsError('INTERNAL', `composite ${c.kind} (output ${c.output.name}): internal value "${name}" was not marked`);
  return v;
}
