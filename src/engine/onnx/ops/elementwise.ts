import { ONNX_DTYPE_CODE, type DType } from '../dtype.js';
import { Value } from '../graph.js';
import { broadcastShapes, checkDType, checkFloat, checkSameDType } from './check.js';

/** A number operand becomes a cached scalar constant of the other operand's dtype. */
export type Operand = Value | number;

function toValues(op: string, a: Operand, b: Operand): [Value, Value] {
  if (a instanceof Value && b instanceof Value) return [a, b];
  if (a instanceof Value) return [a, a.graph.scalar(b as number, a.dtype)];
  if (b instanceof Value) return [b.graph.scalar(a, b.dtype), b];
  throw new Error(`${op}: at least one operand must be a tensor`);
}

function binary(op: string, a: Operand, b: Operand, outDType?: DType): Value {
  const [x, y] = toValues(op, a, b);
  checkSameDType(op, x, y);
  const shape = broadcastShapes(op, [x.shape, y.shape], ['A', 'B']);
  return x.graph.addNode(op, [x, y], {}, [{ dtype: outDType ?? x.dtype, shape }])[0]!;
}

export const add = (a: Operand, b: Operand): Value => binary('Add', a, b);
export const sub = (a: Operand, b: Operand): Value => binary('Sub', a, b);
export const mul = (a: Operand, b: Operand): Value => binary('Mul', a, b);
export const div = (a: Operand, b: Operand): Value => binary('Div', a, b);
export const pow = (a: Operand, b: Operand): Value => binary('Pow', a, b);
export const equal = (a: Operand, b: Operand): Value => binary('Equal', a, b, 'bool');
export const less = (a: Operand, b: Operand): Value => binary('Less', a, b, 'bool');
export const lessOrEqual = (a: Operand, b: Operand): Value => binary('LessOrEqual', a, b, 'bool');
export const greater = (a: Operand, b: Operand): Value => binary('Greater', a, b, 'bool');

export function and(a: Value, b: Value): Value {
  checkDType('And', 'A', a, ['bool']);
  checkDType('And', 'B', b, ['bool']);
  return binary('And', a, b, 'bool');
}

function unaryFloat(op: string, x: Value): Value {
  checkFloat(op, 'X', x);
  return x.graph.addNode(op, [x], {}, [{ dtype: x.dtype, shape: x.shape }])[0]!;
}

export const neg = (x: Value): Value => x.graph.addNode('Neg', [x], {}, [{ dtype: x.dtype, shape: x.shape }])[0]!;
export const exp = (x: Value): Value => unaryFloat('Exp', x);
export const log = (x: Value): Value => unaryFloat('Log', x);
export const sqrt = (x: Value): Value => unaryFloat('Sqrt', x);
export const reciprocal = (x: Value): Value => unaryFloat('Reciprocal', x);
export const tanh = (x: Value): Value => unaryFloat('Tanh', x);
export const sigmoid = (x: Value): Value => unaryFloat('Sigmoid', x);
export const cos = (x: Value): Value => unaryFloat('Cos', x);
export const sin = (x: Value): Value => unaryFloat('Sin', x);
export const identity = (x: Value): Value => x.graph.addNode('Identity', [x], {}, [{ dtype: x.dtype, shape: x.shape }])[0]!;

export function cast(x: Value, to: DType): Value {
  if (x.dtype === to) return x;
  return x.graph.addNode('Cast', [x], { to: { kind: 'int', value: ONNX_DTYPE_CODE[to] } }, [{ dtype: to, shape: x.shape }])[0]!;
}

/** Where(cond, a, b); when both branches are numbers, `dtype` gives their type. */
export function where(cond: Value, a: Operand, b: Operand, dtype?: DType): Value {
  checkDType('Where', 'condition', cond, ['bool']);
  const [x, y] =
    typeof a === 'number' && typeof b === 'number'
      ? [cond.graph.scalar(a, dtype ?? 'float32'), cond.graph.scalar(b, dtype ?? 'float32')]
      : toValues('Where', a, b);
  checkSameDType('Where', x, y, 'X', 'Y');
  const shape = broadcastShapes('Where', [cond.shape, x.shape, y.shape], ['condition', 'X', 'Y']);
  return cond.graph.addNode('Where', [cond, x, y], {}, [{ dtype: x.dtype, shape }])[0]!;
}
