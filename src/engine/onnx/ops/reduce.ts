import type { Dim } from '../dims.js';
import { attr, type Value } from '../graph.js';
import { checkFloat, normAxis } from './check.js';

function reducedShape(op: string, x: Value, axes: readonly number[], keepdims: boolean): { axes: number[]; shape: Dim[] } {
  const norm = [...new Set(axes.map((a) => normAxis(op, a, x.rank)))].sort((a, b) => a - b);
  const shape: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!norm.includes(i)) shape.push(d);
    else if (keepdims) shape.push(1);
  });
  return { axes: norm, shape };
}

/** ReduceSum takes its axes as an input since opset 13. */
export function reduceSum(x: Value, axes: readonly number[], keepdims = true): Value {
  const r = reducedShape('ReduceSum', x, axes, keepdims);
  if (r.axes.length === 0) return x;
  return x.graph.addNode('ReduceSum', [x, x.graph.int64s(r.axes, 'axes')], { keepdims: attr.int(keepdims ? 1 : 0) }, [{ dtype: x.dtype, shape: r.shape }])[0]!;
}

/** ReduceMean / ReduceMax take axes as an attribute up to opset 17. */
function reduceAttr(op: string, x: Value, axes: readonly number[], keepdims: boolean): Value {
  checkFloat(op, 'data', x);
  const r = reducedShape(op, x, axes, keepdims);
  return x.graph.addNode(op, [x], { axes: attr.ints(r.axes), keepdims: attr.int(keepdims ? 1 : 0) }, [{ dtype: x.dtype, shape: r.shape }])[0]!;
}

export const reduceMean = (x: Value, axes: readonly number[], keepdims = true): Value => reduceAttr('ReduceMean', x, axes, keepdims);
export const reduceMax = (x: Value, axes: readonly number[], keepdims = true): Value => reduceAttr('ReduceMax', x, axes, keepdims);
