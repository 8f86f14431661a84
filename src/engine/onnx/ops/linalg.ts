import { dimsEqual, shapeToString, type Dim } from '../dims.js';
import { attr, type Value } from '../graph.js';
import { broadcastShapes, checkFloat, checkSameDType, fail } from './check.js';

/** numpy.matmul semantics (rank ≥ 2 here), batch dims broadcast. */
export function matmul(a: Value, b: Value): Value {
  checkFloat('MatMul', 'A', a);
  checkSameDType('MatMul', a, b);
  if (a.rank < 2) fail('MatMul', 'A', `must have rank ≥ 2, got shape ${shapeToString(a.shape)}`);
  if (b.rank < 2) fail('MatMul', 'B', `must have rank ≥ 2, got shape ${shapeToString(b.shape)}`);
  const k1 = a.shape[a.rank - 1]!;
  const k2 = b.shape[b.rank - 2]!;
  if (!dimsEqual(k1, k2)) fail('MatMul', 'B', `has inner dim ${k2} (shape ${shapeToString(b.shape)}) but A has ${k1} (shape ${shapeToString(a.shape)})`);
  const batch = broadcastShapes('MatMul', [a.shape.slice(0, -2), b.shape.slice(0, -2)], ['A', 'B']);
  const shape: Dim[] = [...batch, a.shape[a.rank - 2]!, b.shape[b.rank - 1]!];
  return a.graph.addNode('MatMul', [a, b], {}, [{ dtype: a.dtype, shape }])[0]!;
}

export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
}

/**
 * Y = alpha·op(A)·op(B) + beta·C for 2-D A and B. Linear layers use Gemm with transB so a
 * Hugging Face weight [out, in] is used as stored, without a transposed copy.
 */
export function gemm(a: Value, b: Value, c?: Value, opts: GemmOptions = {}): Value {
  checkFloat('Gemm', 'A', a);
  checkSameDType('Gemm', a, b);
  if (a.rank !== 2) fail('Gemm', 'A', `must be 2-D, got shape ${shapeToString(a.shape)}`);
  if (b.rank !== 2) fail('Gemm', 'B', `must be 2-D, got shape ${shapeToString(b.shape)}`);
  const [m, k1] = opts.transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [k2, n] = opts.transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  if (!dimsEqual(k1, k2)) fail('Gemm', 'B', `has inner dim ${k2} (shape ${shapeToString(b.shape)}, transB=${!!opts.transB}) but A has ${k1}`);
  if (c) {
    checkSameDType('Gemm', a, c, 'A', 'C');
    broadcastShapes('Gemm', [[m, n], c.shape], ['Y', 'C']);
  }
  const attrs: Record<string, ReturnType<typeof attr.int>> = {};
  if (opts.transA) attrs.transA = attr.int(1);
  if (opts.transB) attrs.transB = attr.int(1);
  if (opts.alpha !== undefined && opts.alpha !== 1) attrs.alpha = attr.float(opts.alpha);
  if (opts.beta !== undefined && opts.beta !== 1) attrs.beta = attr.float(opts.beta);
  return a.graph.addNode('Gemm', c ? [a, b, c] : [a, b], attrs, [{ dtype: a.dtype, shape: [m, n] }])[0]!;
}
