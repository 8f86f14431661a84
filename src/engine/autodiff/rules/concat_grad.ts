import { SpsError } from '../../../shared/errors.js';
import type { Value } from '../../onnx/graph.js';
import * as op from '../../onnx/ops/index.js';
import { dOut, intAttr, type GradRule } from '../grad_context.js';

const END = Number.MAX_SAFE_INTEGER;

/**
 * The pieces of dy along the axis. With static sizes this is one Split. One piece may have a
 * symbolic size (e.g. prompt ++ tokens): pieces before it are sliced from the start, pieces
 * after it from the end, and it takes what lies between.
 */
export const concatGrad: GradRule = (node, dys, needs) => {
  const dy = dOut(node, dys);
  const axis = intAttr(node, 'axis');
  const inputs = node.inputs as Value[];
  const sizes = inputs.map((v) => v.shape[axis]!);
  const symbolic = sizes.flatMap((s, i) => (typeof s === 'number' ? [] : [i]));
  if (symbolic.length === 0) {
    return op.split(dy, axis, sizes as number[]).map((p, i) => (needs(i) ? p : undefined));
  }
  if (symbolic.length > 1) throw new SpsError('INTERNAL', `Concat ${node.name}: cannot differentiate a concat of several symbolic sizes`);
  const s = symbolic[0]!;
  const staticSum = (from: number, to: number) => (sizes.slice(from, to) as number[]).reduce((a, b) => a + b, 0);
  return inputs.map((v, i) => {
    if (!needs(i)) return undefined;
    let start: number;
    let end: number;
    if (i < s) {
      start = staticSum(0, i);
      end = start + (sizes[i] as number);
    } else if (i === s) {
      start = staticSum(0, s);
      const tail = staticSum(s + 1, sizes.length);
      end = tail === 0 ? END : -tail;
    } else {
      start = -staticSum(i, sizes.length);
      const tail = staticSum(i + 1, sizes.length);
      end = tail === 0 ? END : -tail;
    }
    const g = dy.graph;
    return g.addNode('Slice', [dy, g.int64s([start], 'starts'), g.int64s([end], 'ends'), g.int64s([axis], 'axes')], {}, [{ dtype: dy.dtype, shape: v.shape }])[0]!;
  });
};
