import { SpsError } from '../../shared/errors.js';
import { canonicalDim, dimCoefficient, dimSymbols, shapeToString, type Dim, type Shape } from './dims.js';
import { type DType } from './dtype.js';

/** Typed array holding constant data; F16/BF16 as raw Uint16 bits, bool as Uint8. */
export type TensorData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | Uint16Array;

export interface ConstTensor {
  readonly kind: 'const';
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

/** An initializer whose bytes stay in a file next to the model (e.g. inside a .safetensors). */
export interface ExternalTensor {
  readonly kind: 'external';
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Path relative to the external-data folder given to the session. */
  readonly location: string;
  readonly offset: number;
  readonly length: number;
}

export type Attr =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'tensor'; readonly value: ConstTensor };

export const attr = {
  int: (value: number): Attr => ({ kind: 'int', value }),
  float: (value: number): Attr => ({ kind: 'float', value }),
  ints: (value: readonly number[]): Attr => ({ kind: 'ints', value }),
  floats: (value: readonly number[]): Attr => ({ kind: 'floats', value }),
  string: (value: string): Attr => ({ kind: 'string', value }),
};

export interface Node {
  readonly opType: string;
  /** `undefined` marks an omitted optional input. */
  readonly inputs: readonly (Value | undefined)[];
  readonly outputs: readonly Value[];
  readonly attrs: Readonly<Record<string, Attr>>;
  readonly name: string;
}

/** A tensor flowing through the graph: a graph input, an initializer or a node output. */
export class Value {
  constructor(
    readonly graph: Graph,
    readonly name: string,
    readonly dtype: DType,
    readonly shape: Shape,
    readonly producer: Node | undefined,
  ) {}

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `${this.name}: ${this.dtype}${shapeToString(this.shape)}`;
  }
}

export interface OutputSpec {
  dtype: DType;
  shape: Shape;
}

/**
 * A graph under construction. Op functions (ops/*.ts) check their arguments, infer output
 * dtype and shape, and call `addNode`. Nodes are kept in topological order by construction.
 */
export class Graph {
  readonly nodes: Node[] = [];
  readonly inputs: Value[] = [];
  readonly outputs: Value[] = [];
  readonly initializers = new Map<string, { value: Value; tensor: ConstTensor | ExternalTensor }>();
  private readonly usedNames = new Set<string>();
  private readonly scalarCache = new Map<string, Value>();
  private readonly dimCache = new Map<string, Value>();
  private readonly symbolSources = new Map<string, { value: Value; axis: number }>();
  /** Symbols standing for sums of dims (e.g. prompt length + sequence length after a Concat). */
  private readonly sumSymbols = new Map<string, readonly Dim[]>();

  /**
   * Values a backward that recomputes this graph's forward should rather be handed by the
   * forward than recompute (graphs/layerwise/layer_graphs.ts buildSavedProductGraphs): the
   * model builders mark them (models/parts/attention.ts: the attention's operands after RoPE).
   */
  readonly handOver: Value[] = [];

  constructor(readonly name = 'graph') {}

  uniqueName(hint: string): string {
    const base = hint.replace(/[^A-Za-z0-9_./:-]/g, '_') || 'v';
    let name = base;
    for (let i = 1; this.usedNames.has(name); i++) name = `${base}_${i}`;
    this.usedNames.add(name);
    return name;
  }

  input(name: string, dtype: DType, shape: Shape): Value {
    if (this.usedNames.has(name)) throw new SpsError('SHAPE_ERROR', `graph input name "${name}" is already used`);
    this.usedNames.add(name);
    const v = new Value(this, name, dtype, shape.map(canonicalDim), undefined);
    this.inputs.push(v);
    shape.forEach((d, axis) => {
      if (typeof d === 'string' && dimSymbols(d).length === 1 && dimCoefficient(d) === 1 && !this.symbolSources.has(d)) {
        this.symbolSources.set(d, { value: v, axis });
      }
    });
    return v;
  }

  /** Marks a value as a graph output. Outputs keep the value's name; pass `name` to rename via Identity. */
  output(value: Value, name?: string): Value {
    let v = value;
    if (name !== undefined && name !== value.name) {
      if (this.usedNames.has(name)) throw new SpsError('SHAPE_ERROR', `graph output name "${name}" is already used`);
      this.usedNames.add(name);
      const node: Node = { opType: 'Identity', inputs: [value], outputs: [], attrs: {}, name: `${name}_identity` };
      v = new Value(this, name, value.dtype, value.shape, node);
      (node.outputs as Value[]).push(v);
      this.nodes.push(node);
    }
    this.outputs.push(v);
    return v;
  }

  constant(data: TensorData, dtype: DType, shape: readonly number[], nameHint = 'const'): Value {
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== data.length) {
      throw new SpsError('SHAPE_ERROR', `constant ${nameHint}: shape ${shapeToString(shape)} needs ${count} values, got ${data.length}`);
    }
    const value = new Value(this, this.uniqueName(nameHint), dtype, shape, undefined);
    this.initializers.set(value.name, { value, tensor: { kind: 'const', dtype, shape, data } });
    return value;
  }

  external(nameHint: string, tensor: Omit<ExternalTensor, 'kind'>): Value {
    const value = new Value(this, this.uniqueName(nameHint), tensor.dtype, tensor.shape, undefined);
    this.initializers.set(value.name, { value, tensor: { kind: 'external', ...tensor } });
    return value;
  }

  /**
   * The dim a + b. Numbers add; otherwise the sum becomes an atomic symbol such as "(3+L)",
   * whose runtime value is computed from its terms when a reshape needs it.
   */
  sumDim(...terms: Dim[]): Dim {
    // Canonical form: nested sums flattened, numbers folded into one leading constant, symbolic
    // terms sorted, so equal sums built in any order or grouping compare equal.
    const flat = terms.map(canonicalDim).flatMap((d) => (typeof d === 'string' ? (this.sumSymbols.get(d) ?? [d]) : [d]));
    const constant = flat.reduce<number>((a, d) => (typeof d === 'number' ? a + d : a), 0);
    const syms = flat.filter((d): d is string => typeof d === 'string').sort();
    const nonZero: Dim[] = constant === 0 ? syms : [constant, ...syms];
    if (syms.length === 0) return constant;
    if (nonZero.length === 1) return nonZero[0]!;
    const name = `(${nonZero.join('+').replace(/\*/g, 'x')})`;
    this.sumSymbols.set(name, nonZero);
    return name;
  }

  /** A cached rank-0 constant of the given dtype. */
  scalar(x: number, dtype: DType): Value {
    const key = `${dtype}:${Object.is(x, -0) ? '-0' : String(x)}`;
    let v = this.scalarCache.get(key);
    if (!v) {
      v = this.constant(makeData(dtype, [x]), dtype, [], `scalar_${dtype}`);
      this.scalarCache.set(key, v);
    }
    return v;
  }

  /** A cached int64 rank-1 constant. */
  int64s(xs: readonly number[], nameHint = 'ints'): Value {
    const key = `i64s:${xs.join(',')}`;
    let v = this.scalarCache.get(key);
    if (!v) {
      v = this.constant(BigInt64Array.from(xs.map(BigInt)), 'int64', [xs.length], nameHint);
      this.scalarCache.set(key, v);
    }
    return v;
  }

  /**
   * The runtime value of a dim as an int64 tensor of shape [1]. Symbols are read from the
   * shape of the graph input that declared them, so reshapes with symbolic sizes work.
   */
  dimValue(dim: Dim): Value {
    const key = String(canonicalDim(dim));
    const cached = this.dimCache.get(key);
    if (cached) return cached;
    let result: Value;
    if (typeof dim === 'number' || dimSymbols(dim).length === 0) {
      result = this.int64s([Number(canonicalDim(dim))]);
    } else {
      const coef = dimCoefficient(dim);
      let acc: Value | undefined = coef === 1 ? undefined : this.int64s([coef]);
      for (const sym of dimSymbols(dim)) {
        const s = this.symbolValue(sym);
        acc = acc ? this.addNode('Mul', [acc, s!], {}, [{ dtype: 'int64', shape: [1] }], `dim_${key}`)[0]! : s!;
      }
      result = acc!;
    }
    this.dimCache.set(key, result);
    return result;
  }

  private symbolValue(sym: string): Value {
    const terms = this.sumSymbols.get(sym);
    if (terms) {
      return terms.slice(1).reduce<Value>((acc, t) => this.addNode('Add', [acc, this.dimValue(t)], {}, [{ dtype: 'int64', shape: [1] }], 'dim_sum')[0]!, this.dimValue(terms[0]!));
    }
    const src = this.symbolSources.get(sym);
    if (!src) throw new SpsError('SHAPE_ERROR', `no graph input declares the symbolic dim "${sym}"`);
    return this.addNode('Shape', [src.value], { start: attr.int(src.axis), end: attr.int(src.axis + 1) }, [{ dtype: 'int64', shape: [1] }], `dim_${sym}`)[0]!;
  }

  /** An int64 rank-1 tensor holding a (possibly symbolic) shape at run time. */
  shapeValue(shape: Shape): Value {
    if (shape.every((d) => typeof d === 'number')) return this.int64s(shape as number[], 'shape');
    if (shape.length === 1) return this.dimValue(shape[0]!);
    return this.addNode('Concat', shape.map((d) => this.dimValue(d)), { axis: attr.int(0) }, [{ dtype: 'int64', shape: [shape.length] }], 'shape')[0]!;
  }

  /**
   * Every node and graph output that reads `from` reads `to` instead (a graph rewrite; the
   * node that produced `from` stays, and drops out at serialisation if nothing else reads it).
   */
  replaceUses(from: Value, to: Value): void {
    if (from.graph !== this || to.graph !== this) throw new SpsError('INTERNAL', `replaceUses: ${from.name} or ${to.name} belongs to another graph`);
    for (const node of this.nodes) {
      const inputs = node.inputs as (Value | undefined)[];
      for (let i = 0; i < inputs.length; i++) if (inputs[i] === from) inputs[i] = to;
    }
    for (let i = 0; i < this.outputs.length; i++) if (this.outputs[i] === from) this.outputs[i] = to;
  }

  /** Removes a graph input that nothing reads any more (after replaceUses). */
  removeInput(v: Value): void {
    const at = this.inputs.indexOf(v);
    if (at < 0) throw new SpsError('INTERNAL', `removeInput: ${v.name} is not an input of graph "${this.name}"`);
    this.inputs.splice(at, 1);
  }

  addNode(opType: string, inputs: readonly (Value | undefined)[], attrs: Record<string, Attr>, outputs: readonly OutputSpec[], nameHint?: string): Value[] {
    for (const v of inputs) {
      if (v && v.graph !== this) throw new SpsError('INTERNAL', `${opType}: input ${v.name} belongs to another graph`);
    }
    const name = this.uniqueName(nameHint ?? opType);
    const node: Node = { opType, inputs: [...inputs], outputs: [], attrs, name };
    const outs = outputs.map((o, i) => new Value(this, this.uniqueName(outputs.length === 1 ? `${name}_out` : `${name}_out${i}`), o.dtype, o.shape.map(canonicalDim), node));
    (node.outputs as Value[]).push(...outs);
    this.nodes.push(node);
    return outs;
  }
}

export function makeData(dtype: DType, values: readonly number[]): TensorData {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values);
    case 'float64':
      return Float64Array.from(values);
    case 'int64':
      return BigInt64Array.from(values.map((v) => BigInt(v)));
    case 'int32':
      return Int32Array.from(values);
    case 'bool':
      return Uint8Array.from(values.map((v) => (v ? 1 : 0)));
    case 'float16':
    case 'bfloat16':
      throw new SpsError('INTERNAL', `makeData: ${dtype} constants must be given as raw bits`);
  }
}
