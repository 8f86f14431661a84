import { SpsError } from '../../shared/errors.js';
import { floatToF16Bits } from '../weights/half.js';
import { ONNX_DTYPE_CODE, type DType } from './dtype.js';
import { attr, Graph, type ConstTensor, type Node, type Value } from './graph.js';
import { liveNodes } from './serialize.js';

/**
 * Ops computed in float16: the matrix products, where nearly all of a step's arithmetic and
 * memory traffic is (PyTorch autocast's "lower precision" list).
 */
const HALF_OPS = new Set(['MatMul', 'Gemm']);

/**
 * Ops kept in float32 whatever their inputs (the fp32 islands): softmax and its log, every
 * reduction (normalisation statistics, the loss's mean, the gradient's sums over broadcast
 * axes), and the functions whose float16 results lose most (PyTorch autocast's float32 list).
 */
const FLOAT_OPS = new Set(['Softmax', 'LogSoftmax', 'ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceLogSumExp', 'ReduceSumSquare', 'Pow', 'Sqrt', 'Reciprocal', 'Exp', 'Log', 'LayerNormalization', 'SimplifiedLayerNormalization']);

/** Ops whose output dtype is set by an attribute or fixed, whatever their inputs' dtype. */
const OWN_DTYPE_OPS = new Set(['Cast', 'ConstantOfShape', 'Shape']);

const HALF_MAX = 65504;

/** float32 values → float16 bits, saturating at ±65504 (the additive masks use float32's lowest). */
export function toHalfBits(data: Float32Array | Float64Array): Uint16Array {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!;
    out[i] = floatToF16Bits(Number.isNaN(x) ? x : Math.max(-HALF_MAX, Math.min(HALF_MAX, x)));
  }
  return out;
}

/**
 * Mixed-precision rewrite of a float32 builder graph, as PyTorch's CUDA autocast does it, applied
 * to forward and backward nodes alike (the backward is ordinary nodes in our graphs): MatMul /
 * Gemm run in float16; softmax, reductions, pow/sqrt/reciprocal/exp/log run in float32; every
 * other op runs in the widest float type among its inputs (a float32 tensor promotes; a scalar
 * constant follows the op). So the residual stream, norms, RoPE tables, the loss and the
 * gradient's accumulations stay float32, and float16 carries the matrix products and the
 * element-wise chains between them (SiLU·gate, attention scaling).
 *
 * Graph inputs and outputs keep their dtypes: callers feed and read exactly what they did.
 * float16 weights feed the products directly (the float32 cast the builder put in front of
 * them is bypassed); float32 and bfloat16 weights are cast to float16 once per graph.
 */
export function toHalfPrecision(graph: Graph): Graph {
  if (graph.inputs.some((v) => v.dtype === 'float64')) throw new SpsError('INTERNAL', `half precision: graph "${graph.name}" is float64 (verification mode); only float32 graphs convert`);
  const g = new Graph(`${graph.name}_fp16`);
  const map = new Map<string, Value>();
  const halfConsts = new Map<string, Value>();
  const casts = new Map<string, Value>();
  /** Rank-0 float constants: they follow the op's dtype instead of promoting it. */
  const weakScalars = new Set<string>();

  for (const v of graph.inputs) map.set(v.name, g.input(v.name, v.dtype, v.shape));
  for (const [name, { value, tensor }] of graph.initializers) {
    const copy = tensor.kind === 'const' ? g.constant(tensor.data, tensor.dtype, tensor.shape, name) : g.external(name, tensor);
    map.set(value.name, copy);
    if (tensor.kind === 'const' && tensor.dtype === 'float32' && tensor.shape.length === 0) weakScalars.add(copy.name);
  }

  const castTo = (v: Value, to: DType): Value => {
    if (v.dtype === to) return v;
    const key = `${v.name}->${to}`;
    const cached = casts.get(key) ?? halfConsts.get(key);
    if (cached) return cached;
    let out: Value;
    const init = g.initializers.get(v.name);
    if (init?.tensor.kind === 'const' && v.dtype === 'float32' && to === 'float16') {
      const t = init.tensor as ConstTensor;
      out = g.constant(toHalfBits(t.data as Float32Array), 'float16', t.shape, `${v.name}_fp16`);
      if (weakScalars.has(v.name)) weakScalars.add(out.name);
      halfConsts.set(key, out);
      return out;
    }
    // A float16 weight the builder widened: use it as it is stored.
    const p = v.producer;
    if (p?.opType === 'Cast' && p.inputs[0]?.dtype === to) out = p.inputs[0];
    else out = g.addNode('Cast', [v], { to: attr.int(ONNX_DTYPE_CODE[to]) }, [{ dtype: to, shape: v.shape }], `${v.name}_to_${to}`)[0]!;
    casts.set(key, out);
    return out;
  };

  const computeType = (node: Node, inputs: readonly (Value | undefined)[]): DType | undefined => {
    const floats = inputs.filter((v): v is Value => !!v && (v.dtype === 'float32' || v.dtype === 'float16' || v.dtype === 'bfloat16'));
    if (floats.length === 0) return undefined;
    if (HALF_OPS.has(node.opType)) return 'float16';
    if (FLOAT_OPS.has(node.opType)) return 'float32';
    const strong = floats.filter((v) => !weakScalars.has(v.name));
    if (strong.length === 0) return 'float32';
    return strong.every((v) => v.dtype === 'float16') ? 'float16' : 'float32';
  };

  // Live nodes only: a graph fed saved values (graphs/layerwise/saved_values.ts) keeps the dead
  // nodes that computed them, reading inputs it has since removed.
  for (const node of liveNodes(graph).nodes) {
    const mapped = node.inputs.map((v) => (v ? map.get(v.name) : undefined));
    if (mapped.some((v, i) => node.inputs[i] && !v)) throw new SpsError('INTERNAL', `half precision: node ${node.name} reads a value defined after it`);
    if (node.opType === 'Cast' && mapped[0]!.dtype === node.outputs[0]!.dtype) {
      map.set(node.outputs[0]!.name, mapped[0]!);
      continue;
    }
    const t = OWN_DTYPE_OPS.has(node.opType) ? undefined : computeType(node, mapped);
    const isFloatish = (d: DType) => d === 'float32' || d === 'float16' || d === 'bfloat16';
    // Every float input of a float16/float32 op in that dtype (index inputs stay as they are).
    const inputs = t ? mapped.map((v) => (v && isFloatish(v.dtype) ? castTo(v, t) : v)) : mapped;
    const outSpecs = node.outputs.map((o) => ({ dtype: t && o.dtype === 'float32' ? t : o.dtype, shape: o.shape }));
    // Suffixed: Graph.output names its Identity nodes "<output>_identity" outside uniqueName.
    const outs = g.addNode(node.opType, inputs, node.attrs, outSpecs, `${node.name}_h`);
    node.outputs.forEach((o, i) => map.set(o.name, outs[i]!));
  }

  for (const v of graph.outputs) {
    const out = castTo(map.get(v.name)!, v.dtype);
    g.output(out, v.name);
  }
  return g;
}
