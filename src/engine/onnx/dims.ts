/**
 * Symbolic dimensions. A dim is a number or a string naming a product of symbols, in a
 * canonical form (e.g. "B*T", "3*B"), so shapes built from the same runtime sizes compare
 * equal and reshapes can infer products and quotients without knowing the values.
 */
export type Dim = number | string;
export type Shape = readonly Dim[];

interface Monomial {
  coef: number;
  syms: string[]; // sorted, with repeats
}

function parse(d: Dim): Monomial {
  if (typeof d === 'number') return { coef: d, syms: [] };
  let coef = 1;
  const syms: string[] = [];
  for (const part of d.split('*')) {
    if (/^\d+$/.test(part)) coef *= Number(part);
    else syms.push(part);
  }
  syms.sort();
  return { coef, syms };
}

function format(m: Monomial): Dim {
  if (m.syms.length === 0) return m.coef;
  return (m.coef === 1 ? [] : [String(m.coef)]).concat(m.syms).join('*');
}

export function mulDims(...dims: Dim[]): Dim {
  const out: Monomial = { coef: 1, syms: [] };
  for (const d of dims) {
    const m = parse(d);
    out.coef *= m.coef;
    out.syms.push(...m.syms);
  }
  out.syms.sort();
  return format(out);
}

/** a / b when it divides exactly, else undefined. */
export function divDims(a: Dim, b: Dim): Dim | undefined {
  const ma = parse(a);
  const mb = parse(b);
  if (mb.coef === 0 || ma.coef % mb.coef !== 0) return undefined;
  const syms = [...ma.syms];
  for (const s of mb.syms) {
    const i = syms.indexOf(s);
    if (i < 0) return undefined;
    syms.splice(i, 1);
  }
  return format({ coef: ma.coef / mb.coef, syms });
}

export function dimsEqual(a: Dim, b: Dim): boolean {
  return format(parse(a)) === format(parse(b));
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => dimsEqual(d, b[i]!));
}

export function numel(shape: Shape): Dim {
  return mulDims(...shape);
}

export function shapeToString(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/** Canonical form of a dim (so "T*B" and "B*T" are one key). */
export function canonicalDim(d: Dim): Dim {
  return format(parse(d));
}

/** The symbols a dim is made of (empty for a number). */
export function dimSymbols(d: Dim): string[] {
  return parse(d).syms;
}

export function dimCoefficient(d: Dim): number {
  return parse(d).coef;
}
