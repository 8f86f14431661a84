import { describe, expect, it } from 'vitest';
import { canonicalDim, dimsEqual, divDims, mulDims, numel, shapesEqual } from '../../../src/engine/onnx/dims.js';
import { Graph } from '../../../src/engine/onnx/graph.js';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { liveNodes, serializeModel } from '../../../src/engine/onnx/serialize.js';
import { GraphSession, tensor } from '../../../src/engine/runtime/session.js';
import { expectSpsError } from '../../helpers/errors.js';

const f64 = (...xs: number[]) => Float64Array.from(xs);

describe('op builders: shape and dtype errors name the op and the argument', () => {
  const g = new Graph();
  const a23 = g.input('a23', 'float32', [2, 3]);
  const b45 = g.input('b45', 'float32', [4, 5]);
  const v4 = g.input('v4', 'float32', [4]);
  const d23 = g.input('d23', 'float64', [2, 3]);
  const i3 = g.input('i3', 'int64', [3]);
  const a234 = g.input('a234', 'float32', [2, 3, 4]);

  it('MatMul inner-dim mismatch', () => {
    expectSpsError(() => op.matmul(a23, b45), 'SHAPE_ERROR', 'MatMul', 'argument "B"', 'inner dim 4', '[4, 5]', '[2, 3]');
  });
  it('MatMul rank < 2 and dtype mismatch', () => {
    expectSpsError(() => op.matmul(v4, b45), 'SHAPE_ERROR', 'MatMul', 'argument "A"', 'rank');
    expectSpsError(() => op.matmul(a23, op.transpose(d23, [1, 0])), 'SHAPE_ERROR', 'MatMul', 'argument "B"', 'float64', 'Cast');
  });
  it('MatMul batch dims that cannot broadcast', () => {
    const x = g.input('x_b2', 'float32', [2, 3, 4]);
    const y = g.input('y_b3', 'float32', [3, 4, 5]);
    expectSpsError(() => op.matmul(x, y), 'SHAPE_ERROR', 'MatMul', 'cannot broadcast');
  });
  it('Gemm inner-dim mismatch names B and transB', () => {
    expectSpsError(() => op.gemm(a23, b45, undefined, { transB: true }), 'SHAPE_ERROR', 'Gemm', 'argument "B"', 'transB=true');
    expectSpsError(() => op.gemm(a234, b45), 'SHAPE_ERROR', 'Gemm', 'argument "A"', '2-D');
  });
  it('Add broadcast failure', () => {
    expectSpsError(() => op.add(a23, v4), 'SHAPE_ERROR', 'Add', 'argument "B"', '[4]', 'cannot broadcast', '[2, 3]');
    expectSpsError(() => op.mul(a23, d23), 'SHAPE_ERROR', 'Mul', 'argument "B"', 'float64', 'float32');
  });
  it('Add broadcasts symbolic dims only against 1 or themselves', () => {
    const s = g.input('s', 'float32', ['T', 3]);
    expect(op.add(s, g.input('one3', 'float32', [1, 3])).shape).toEqual(['T', 3]);
    expectSpsError(() => op.add(s, a23), 'SHAPE_ERROR', 'Add', 'cannot broadcast');
  });
  it('Concat rank mismatch and off-axis mismatch', () => {
    expectSpsError(() => op.concat([a23, v4], 0), 'SHAPE_ERROR', 'Concat', 'argument "inputs[1]"', 'rank 1', 'expected 2');
    expectSpsError(() => op.concat([a23, b45], 0), 'SHAPE_ERROR', 'Concat', 'argument "inputs[1]"', 'outside axis 0');
    expectSpsError(() => op.concat([a23, a23], 2), 'SHAPE_ERROR', 'Concat', 'axis 2', 'out of range');
  });
  it('Reshape element-count mismatch', () => {
    expectSpsError(() => op.reshape(a23, [4, 2]), 'SHAPE_ERROR', 'Reshape', 'argument "shape"', '[4, 2]', '8 elements', '[2, 3]', '6');
    const s = g.input('sr', 'float32', ['B', 'T', 4]);
    expectSpsError(() => op.reshape(s, ['B', 4]), 'SHAPE_ERROR', 'Reshape', 'argument "shape"');
    expect(op.reshape(s, ['T*B', 2, 2]).shape).toEqual(['B*T', 2, 2]);
  });
  it('other argument checks', () => {
    expectSpsError(() => op.transpose(a23, [0, 0]), 'SHAPE_ERROR', 'Transpose', 'argument "perm"');
    expectSpsError(() => op.squeeze(a23, [1]), 'SHAPE_ERROR', 'Squeeze', 'argument "axes"', 'size 3');
    expectSpsError(() => op.split(a23, 1, [1, 1]), 'SHAPE_ERROR', 'Split', 'argument "split"', 'sum to 2');
    expectSpsError(() => op.gather(a23, a23, 0), 'SHAPE_ERROR', 'Gather', 'argument "indices"', 'float32');
    expectSpsError(() => op.exp(i3), 'SHAPE_ERROR', 'Exp', 'argument "X"', 'int64');
    expectSpsError(() => op.softmax(a23, 2), 'SHAPE_ERROR', 'Softmax', 'axis 2');
    expectSpsError(() => op.where(a23, a23, a23), 'SHAPE_ERROR', 'Where', 'argument "condition"');
    expectSpsError(() => op.reduceMean(i3, [0]), 'SHAPE_ERROR', 'ReduceMean', 'argument "data"');
  });
  it('Cast of int to float is fine, and a same-dtype cast is a no-op', async () => {
    const g2 = new Graph();
    const i = g2.input('i', 'int64', [3]);
    const f = op.cast(i, 'float64');
    expect(f.dtype).toBe('float64');
    expect(op.cast(f, 'float64')).toBe(f);
    g2.output(op.mul(f, 0.5), 'y');
    const s = await GraphSession.create(g2);
    const r = await s.run({ i: tensor('int64', [3], BigInt64Array.from([1n, -4n, 7n])) });
    await s.release();
    expect(Array.from(r.y!.data as Float64Array)).toEqual([0.5, -2, 3.5]);
  });
});

describe('symbolic dims', () => {
  it('mulDims gives canonical products', () => {
    expect(mulDims('T', 'B')).toBe('B*T');
    expect(mulDims('B', 'T')).toBe('B*T');
    expect(mulDims(2, 'B', 3)).toBe('6*B');
    expect(mulDims('3*T', 'B*2')).toBe('6*B*T');
    expect(mulDims('B', 'B')).toBe('B*B');
    expect(mulDims(2, 3)).toBe(6);
    expect(mulDims()).toBe(1);
    expect(mulDims('B', 1)).toBe('B');
    expect(numel(['B', 4, 'T'])).toBe('4*B*T');
  });
  it('divDims divides exactly or says undefined', () => {
    expect(divDims('6*B*T', '2*T')).toBe('3*B');
    expect(divDims('B*T', 'B*T')).toBe(1);
    expect(divDims(12, 4)).toBe(3);
    expect(divDims('B', 'T')).toBeUndefined();
    expect(divDims(6, 4)).toBeUndefined();
    expect(divDims('B', 2)).toBeUndefined();
    expect(divDims('B', 0)).toBeUndefined();
  });
  it('dimsEqual / canonicalDim ignore factor order and unit factors', () => {
    expect(dimsEqual('T*B', 'B*T')).toBe(true);
    expect(dimsEqual('2*B', 'B*2')).toBe(true);
    expect(dimsEqual('B', 'T')).toBe(false);
    expect(canonicalDim('1*T*B')).toBe('B*T');
    expect(shapesEqual(['T*B', 3], ['B*T', 3])).toBe(true);
    expect(shapesEqual(['B', 3], ['B', 3, 1])).toBe(false);
  });
  it('Graph.sumDim folds numbers, drops zeros, and is canonical in order and grouping', () => {
    const g = new Graph();
    g.input('x', 'float32', ['L', 'B']);
    expect(g.sumDim(2, 3)).toBe(5);
    expect(g.sumDim(0, 'L')).toBe('L');
    expect(g.sumDim(2, 'L')).toBe('(2+L)');
    expect(g.sumDim('L', 2)).toBe(g.sumDim(2, 'L'));
    expect(g.sumDim(g.sumDim(2, 'L'), 3)).toBe(g.sumDim(5, 'L'));
    expect(g.sumDim(2, g.sumDim('L', 3))).toBe('(5+L)');
    expect(g.sumDim('L', 'B', 1)).toBe(g.sumDim(1, 'B', 'L'));
    expect(g.sumDim('B*L', 2)).toBe('(2+BxL)');
  });
  it('Concat builds a sum dim that reshapes at run time', async () => {
    const g = new Graph();
    const x = g.input('x', 'float64', ['L', 3]);
    const pre = g.constant(f64(1, 2, 3, 4, 5, 6), 'float64', [2, 3], 'pre');
    const c = op.concat([pre, x], 0);
    expect(c.shape).toEqual(['(2+L)', 3]);
    // Same sum built the other way round compares equal (mul broadcast would fail otherwise).
    const c2 = op.concat([x, pre], 0);
    const prod = op.mul(c, c2);
    const flat = op.reshape(prod, [mulDims(c.shape[0]!, 3)]);
    expect(flat.shape).toEqual(['3*(2+L)']);
    g.output(flat, 'y');
    const s = await GraphSession.create(g);
    const r = await s.run({ x: tensor('float64', [1, 3], f64(10, 20, 30)) });
    await s.release();
    expect(r.y!.dims).toEqual([9]);
    expect(Array.from(r.y!.data as Float64Array)).toEqual([10, 40, 90, 4, 10, 18, 40, 100, 180]);
  });
  it('a symbol no graph input declares is reported when its runtime value is needed', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [6]);
    expectSpsError(() => op.expand(op.reshape(x, [6]), ['Q', 6]), 'SHAPE_ERROR', 'Q');
  });
});

describe('serialisation', () => {
  it('serialises, runs in onnxruntime, and prunes dead nodes and unused initializers', async () => {
    const g = new Graph('sanity');
    const x = g.input('x', 'float32', ['N', 2]);
    const w = g.constant(Float32Array.from([1, 2, 3, 4]), 'float32', [2, 2], 'weight_used');
    g.constant(Float32Array.from([9, 9]), 'float32', [2], 'weight_unused');
    const dead = op.exp(op.mul(x, g.constant(Float32Array.from([7]), 'float32', [1], 'dead_factor')));
    const y = op.add(op.matmul(x, w), 1);
    g.output(y, 'y');
    const { nodes, used } = liveNodes(g);
    expect(nodes.map((n) => n.opType)).toEqual(['MatMul', 'Add', 'Identity']);
    expect(nodes.some((n) => n.outputs.includes(dead))).toBe(false);
    expect(used.has(w.name)).toBe(true);
    expect([...used].some((n) => n.startsWith('weight_unused') || n.startsWith('dead_factor'))).toBe(false);
    const text = Buffer.from(serializeModel(g)).toString('latin1');
    expect(text).toContain('weight_used');
    expect(text).not.toContain('weight_unused');
    expect(text).not.toContain('dead_factor');
    expect(text).not.toContain('Exp');

    const s = await GraphSession.create(g);
    expect(s.inputNames).toEqual(['x']);
    expect(s.outputNames).toEqual(['y']);
    const r = await s.run({ x: tensor('float32', [3, 2], Float32Array.from([1, 0, 0, 1, 1, 1])) });
    await s.release();
    expect(r.y!.dims).toEqual([3, 2]);
    expect(Array.from(r.y!.data as Float32Array)).toEqual([2, 3, 4, 5, 5, 7]);
  });
  it('serialises every attribute kind the builders emit and a float64 graph', async () => {
    const g = new Graph();
    const x = g.input('x', 'float64', [2, 3]);
    const sm = op.softmax(op.transpose(x, [1, 0]), 0); // int + ints attributes
    const gm = op.gemm(x, op.transpose(x, [1, 0]), undefined, { alpha: 0.5 }); // float attribute
    const z = op.zerosLike(sm); // tensor attribute
    g.output(op.add(sm, z), 'sm');
    g.output(gm, 'gm');
    const s = await GraphSession.create(g);
    const r = await s.run({ x: tensor('float64', [2, 3], f64(0, 1, 2, 3, 4, 5)) });
    await s.release();
    const smv = r.sm!.data as Float64Array;
    expect(smv[0]! + smv[2]! + smv[4]!).toBeCloseTo(1, 12); // column 0 of the [3,2] softmax over axis 0
    expect(Array.from(r.gm!.data as Float64Array)).toEqual([2.5, 7, 7, 25]);
  });
  it('duplicate graph input names and output names are refused', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [1]);
    expectSpsError(() => g.input('x', 'float32', [1]), 'SHAPE_ERROR', '"x"');
    expect(g.output(x, 'x')).toBe(x); // same name: no rename needed
    expectSpsError(() => g.output(op.neg(x), 'x'), 'SHAPE_ERROR', 'output name "x"');
    expectSpsError(() => g.constant(Float32Array.from([1, 2]), 'float32', [3], 'c'), 'SHAPE_ERROR', 'needs 3 values', 'got 2');
  });
});
