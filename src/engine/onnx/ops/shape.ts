import { dimsEqual, numel, shapeToString, type Dim } from '../dims.js';
import type { DType } from '../dtype.js';
import { attr, makeData, type Attr, type Value } from '../graph.js';
import { broadcastShapes, checkDType, checkSameDType, fail, normAxis } from './check.js';

/**
 * Reshape to a fully specified (possibly symbolic) shape. Symbolic sizes are resolved at run
 * time from the graph inputs that declared them, so no 0/-1 magic is needed by callers.
 */
export function reshape(x: Value, shape: readonly Dim[]): Value {
  const from = numel(x.shape);
  const to = numel(shape);
  if (!dimsEqual(from, to)) fail('Reshape', 'shape', `${shapeToString(shape)} has ${to} elements but the input ${shapeToString(x.shape)} has ${from}`);
  if (x.shape.length === shape.length && x.shape.every((d, i) => dimsEqual(d, shape[i]!))) return x;
  return x.graph.addNode('Reshape', [x, x.graph.shapeValue(shape)], {}, [{ dtype: x.dtype, shape }])[0]!;
}

export function transpose(x: Value, perm: readonly number[]): Value {
  if (perm.length !== x.rank || [...perm].sort().some((p, i) => p !== i)) fail('Transpose', 'perm', `[${perm.join(', ')}] is not a permutation of rank ${x.rank}`);
  return x.graph.addNode('Transpose', [x], { perm: attr.ints(perm) }, [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]!) }])[0]!;
}

export function unsqueeze(x: Value, axes: readonly number[]): Value {
  const rank = x.rank + axes.length;
  const norm = axes.map((a) => normAxis('Unsqueeze', a, rank)).sort((a, b) => a - b);
  const shape: Dim[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) shape.push(norm.includes(i) ? 1 : x.shape[j++]!);
  return x.graph.addNode('Unsqueeze', [x, x.graph.int64s(norm, 'axes')], {}, [{ dtype: x.dtype, shape }])[0]!;
}

export function squeeze(x: Value, axes: readonly number[]): Value {
  const norm = axes.map((a) => normAxis('Squeeze', a, x.rank));
  for (const a of norm) if (x.shape[a] !== 1) fail('Squeeze', 'axes', `axis ${a} has size ${x.shape[a]}, not 1`);
  const shape = x.shape.filter((_, i) => !norm.includes(i));
  return x.graph.addNode('Squeeze', [x, x.graph.int64s(norm, 'axes')], {}, [{ dtype: x.dtype, shape }])[0]!;
}

export function concat(values: readonly Value[], axis: number): Value {
  const first = values[0];
  if (!first) throw new Error('Concat: needs at least one input');
  const ax = normAxis('Concat', axis, first.rank);
  let total: Dim = 0;
  values.forEach((v, k) => {
    checkSameDType('Concat', first, v, 'inputs[0]', `inputs[${k}]`);
    if (v.rank !== first.rank) fail('Concat', `inputs[${k}]`, `has rank ${v.rank}, expected ${first.rank}`);
    v.shape.forEach((d, i) => {
      if (i !== ax && !dimsEqual(d, first.shape[i]!)) fail('Concat', `inputs[${k}]`, `has shape ${shapeToString(v.shape)}, incompatible with ${shapeToString(first.shape)} outside axis ${ax}`);
    });
    total = first.graph.sumDim(total, v.shape[ax]!);
  });
  const shape = first.shape.map((d, i) => (i === ax ? total : d));
  return first.graph.addNode('Concat', values, { axis: attr.int(ax) }, [{ dtype: first.dtype, shape }])[0]!;
}


/** Split along an axis into pieces of static sizes (opset 13-17: sizes given as an input). */
export function split(x: Value, axis: number, sizes: readonly number[]): Value[] {
  const ax = normAxis('Split', axis, x.rank);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (x.shape[ax] !== total) fail('Split', 'split', `sizes [${sizes.join(', ')}] sum to ${total} but axis ${ax} has size ${x.shape[ax]}`);
  const outs = sizes.map((s) => ({ dtype: x.dtype, shape: x.shape.map((d, i) => (i === ax ? s : d)) }));
  return x.graph.addNode('Split', [x, x.graph.int64s(sizes, 'split')], { axis: attr.int(ax) }, outs);
}

/**
 * Splits axis 0 into its first `first` rows and the `rest` after them, where `rest` may be
 * symbolic (the sizes go in as a runtime tensor). Its gradient is the Concat of the two.
 */
export function splitRows(x: Value, first: number, rest: Dim): Value[] {
  const g = x.graph;
  if (!dimsEqual(g.sumDim(first, rest), x.shape[0]!)) fail('Split', 'split', `${first} + ${rest} rows do not make axis 0 of ${shapeToString(x.shape)}`);
  if (typeof rest === 'number') return split(x, 0, [first, rest]);
  const sizes = g.addNode('Concat', [g.int64s([first]), g.dimValue(rest)], { axis: attr.int(0) }, [{ dtype: 'int64', shape: [2] }], 'split_rows')[0]!;
  const outs = [first, rest].map((d) => ({ dtype: x.dtype, shape: x.shape.map((s, i) => (i === 0 ? d : s)) }));
  return g.addNode('Split', [x, sizes], { axis: attr.int(0) }, outs);
}

export function gather(data: Value, indices: Value, axis = 0): Value {
  checkDType('Gather', 'indices', indices, ['int64', 'int32']);
  const ax = normAxis('Gather', axis, data.rank);
  const shape = [...data.shape.slice(0, ax), ...indices.shape, ...data.shape.slice(ax + 1)];
  return data.graph.addNode('Gather', [data, indices], { axis: attr.int(ax) }, [{ dtype: data.dtype, shape }])[0]!;
}

export function gatherElements(data: Value, indices: Value, axis: number): Value {
  checkDType('GatherElements', 'indices', indices, ['int64', 'int32']);
  const ax = normAxis('GatherElements', axis, data.rank);
  if (indices.rank !== data.rank) fail('GatherElements', 'indices', `has rank ${indices.rank}, expected ${data.rank}`);
  return data.graph.addNode('GatherElements', [data, indices], { axis: attr.int(ax) }, [{ dtype: data.dtype, shape: indices.shape }])[0]!;
}

export function scatterElements(data: Value, indices: Value, updates: Value, axis: number, reduction: 'none' | 'add' = 'none'): Value {
  checkSameDType('ScatterElements', data, updates, 'data', 'updates');
  const ax = normAxis('ScatterElements', axis, data.rank);
  const attrs = { axis: attr.int(ax), ...(reduction !== 'none' ? { reduction: attr.string(reduction) } : {}) };
  return data.graph.addNode('ScatterElements', [data, indices, updates], attrs, [{ dtype: data.dtype, shape: data.shape }])[0]!;
}

export function scatterND(data: Value, indices: Value, updates: Value, reduction: 'none' | 'add' = 'none'): Value {
  checkSameDType('ScatterND', data, updates, 'data', 'updates');
  checkDType('ScatterND', 'indices', indices, ['int64']);
  const attrs: Record<string, Attr> = reduction !== 'none' ? { reduction: attr.string(reduction) } : {};
  return data.graph.addNode('ScatterND', [data, indices, updates], attrs, [{ dtype: data.dtype, shape: data.shape }])[0]!;
}

/** Broadcast x to a (possibly symbolic) shape. */
export function expand(x: Value, shape: readonly Dim[]): Value {
  const out = broadcastShapes('Expand', [x.shape, shape], ['input', 'shape']);
  if (out.length === x.rank && out.every((d, i) => dimsEqual(d, x.shape[i]!))) return x;
  return x.graph.addNode('Expand', [x, x.graph.shapeValue(shape)], {}, [{ dtype: x.dtype, shape: out }])[0]!;
}

/** A tensor of the given (possibly symbolic) shape filled with one value. */
export function fill(shape: readonly Dim[], value: number, dtype: DType, graphOf: Value): Value {
  const g = graphOf.graph;
  const t = { kind: 'const' as const, dtype, shape: [1], data: makeData(dtype, [value]) };
  return g.addNode('ConstantOfShape', [g.shapeValue(shape)], { value: { kind: 'tensor', value: t } }, [{ dtype, shape }])[0]!;
}

/** A tensor of zeros shaped like `like`, built from its runtime shape. */
export function zerosLike(like: Value): Value {
  const g = like.graph;
  const [s] = g.addNode('Shape', [like], {}, [{ dtype: 'int64', shape: [like.rank] }]);
  const t = { kind: 'const' as const, dtype: like.dtype, shape: [1], data: makeData(like.dtype, [0]) };
  return g.addNode('ConstantOfShape', [s!], { value: { kind: 'tensor', value: t } }, [{ dtype: like.dtype, shape: like.shape }])[0]!;
}

/** int64 [0, 1, …, n-1] for a (possibly symbolic) n. */
export function arange(n: Dim, graphOf: Value): Value {
  const g = graphOf.graph;
  const limit = g.addNode('Squeeze', [g.dimValue(n), g.int64s([0], 'axes')], {}, [{ dtype: 'int64', shape: [] }])[0]!;
  return g.addNode('Range', [g.scalar(0, 'int64'), limit, g.scalar(1, 'int64')], {}, [{ dtype: 'int64', shape: [n] }])[0]!;
}

/** Static slice along one axis. */
export function slice(x: Value, axis: number, start: number, end: number): Value {
  const ax = normAxis('Slice', axis, x.rank);
  const size = x.shape[ax]!;
  if (typeof size !== 'number') fail('Slice', 'axis', `slicing a symbolic axis (${size}) is not supported`);
  const s = Math.max(0, start < 0 ? start + size : start);
  const e = Math.min(size, end < 0 ? end + size : end);
  const g = x.graph;
  const shape = x.shape.map((d, i) => (i === ax ? Math.max(0, e - s) : d));
  return g.addNode('Slice', [x, g.int64s([s], 'starts'), g.int64s([e], 'ends'), g.int64s([ax], 'axes')], {}, [{ dtype: x.dtype, shape }])[0]!;
}


