import { SpsError } from '../../../shared/errors.js';
import { dimsEqual, shapeToString, type Dim, type Shape } from '../dims.js';
import { isFloat, type DType } from '../dtype.js';
import type { Value } from '../graph.js';

/** Argument checks shared by the op builders; every error names the op and the argument. */
export function fail(op: string, arg: string, message: string): never {
  throw new SpsError('SHAPE_ERROR', `${op}: argument "${arg}" ${message}`);
}

export function checkDType(op: string, arg: string, v: Value, allowed: readonly DType[]): void {
  if (!allowed.includes(v.dtype)) fail(op, arg, `has dtype ${v.dtype}, expected one of ${allowed.join(', ')}`);
}

export function checkFloat(op: string, arg: string, v: Value): void {
  if (!isFloat(v.dtype)) fail(op, arg, `has dtype ${v.dtype}, expected a floating-point tensor`);
}

export function checkSameDType(op: string, a: Value, b: Value, argA = 'A', argB = 'B'): void {
  if (a.dtype !== b.dtype) fail(op, argB, `has dtype ${b.dtype} but "${argA}" has ${a.dtype}; insert a Cast`);
}

export function checkRank(op: string, arg: string, v: Value, rank: number | readonly number[]): void {
  const ok = typeof rank === 'number' ? v.rank === rank : rank.includes(v.rank);
  if (!ok) fail(op, arg, `has rank ${v.rank} (shape ${shapeToString(v.shape)}), expected rank ${String(rank)}`);
}

/** Normalises a possibly negative axis against a rank. */
export function normAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new SpsError('SHAPE_ERROR', `${op}: axis ${axis} is out of range for rank ${rank}`);
  return a;
}

export function checkDimsEqual(op: string, arg: string, got: Dim, want: Dim, what: string): void {
  if (!dimsEqual(got, want)) fail(op, arg, `has ${what} ${got}, expected ${want}`);
}

/** Numpy-style broadcasting of static/symbolic shapes. Symbols broadcast only against 1 or themselves. */
export function broadcastShapes(op: string, shapes: readonly Shape[], argNames: readonly string[]): Dim[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    let from = -1;
    shapes.forEach((s, k) => {
      const idx = s.length - rank + i;
      if (idx < 0) return;
      const e = s[idx]!;
      if (e === 1) return;
      if (d === 1) {
        d = e;
        from = k;
      } else if (!dimsEqual(d, e)) {
        fail(op, argNames[k] ?? `#${k}`, `with shape ${shapeToString(s)} cannot broadcast against "${argNames[from] ?? from}" with shape ${shapeToString(shapes[from]!)}`);
      }
    });
    out.push(d);
  }
  return out;
}
