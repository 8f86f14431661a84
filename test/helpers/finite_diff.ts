/**
 * Micrograd-style gradient checker: builds a float64 graph around an op, differentiates it with
 * our autodiff, runs loss and gradients in ONE onnxruntime session, and compares every
 * (or a sampled subset of) gradient coordinate against a central finite difference computed
 * with the same session.
 */
import { expect } from 'vitest';
import type { Dim } from '../../src/engine/onnx/dims.js';
import type { DType } from '../../src/engine/onnx/dtype.js';
import { Graph, type Value } from '../../src/engine/onnx/graph.js';
import * as op from '../../src/engine/onnx/ops/index.js';
import { gradients } from '../../src/engine/autodiff/gradients.js';
import { GraphSession, type HostTensor, type HostTensorData } from '../../src/engine/runtime/session.js';
import { mulberry32 } from '../../src/shared/mulberry32.js';
export { mulberry32 };


/** n uniform values in [lo, hi) from a seeded PRNG. */
export function randomData(n: number, seed: number, lo = -1, hi = 1): Float64Array {
  const rnd = mulberry32(seed);
  return Float64Array.from({ length: n }, () => lo + (hi - lo) * rnd());
}

export function int64Data(values: readonly number[]): BigInt64Array {
  return BigInt64Array.from(values.map(BigInt));
}

export interface GradInput {
  name: string;
  /** Runtime shape (what is fed). */
  shape: number[];
  /** Declared graph shape, may hold symbolic dims such as 'L'; defaults to `shape`. */
  graphShape?: Dim[];
  /** Defaults to seeded uniform values in [-1, 1) (float inputs only). */
  data?: Float64Array | Float32Array | BigInt64Array | Uint8Array;
  dtype?: 'float64' | 'float32' | 'int64' | 'bool';
}

export interface CheckOptions {
  build: (g: Graph, inputs: Value[]) => Value;
  inputs: GradInput[];
  /** Indices of inputs to differentiate and check; default every float input. */
  wrt?: number[];
  /** Feeds for graph inputs that `build` declares itself (e.g. int64 indices). */
  extraFeeds?: Record<string, HostTensor>;
  eps?: number;
  tol?: number;
  /** Coordinates checked per input when it has more than this many elements (sampled). */
  maxCoords?: number;
  seed?: number;
  /**
   * Replaces the analytic gradients before the comparison (meta-tests use this to show that a
   * wrong gradient is caught).
   */
  tamper?: (grads: Float64Array[]) => Float64Array[];
  /**
   * onnxruntime's graph optimisation level ('basic' for graphs that 'all' would fuse into a
   * kernel without a float64 version, e.g. Mul(x, Sigmoid(x)) → QuickGelu); default 'all'.
   */
  optimizationLevel?: 'basic' | 'all';
}

export interface CheckResult {
  maxError: number;
  checked: number;
  loss: number;
  analytic: Float64Array[];
}

export class GradientMismatch extends Error {}

function isFloatInput(i: GradInput): boolean {
  return (i.dtype ?? 'float64') === 'float64' || i.dtype === 'float32';
}

function toF64(data: HostTensorData): Float64Array {
  if (data instanceof BigInt64Array) return Float64Array.from(data, Number);
  return Float64Array.from(data as ArrayLike<number>);
}

/**
 * Checks d(loss)/d(input) for loss = ReduceSum(build(...) · R), R a fixed random tensor of the
 * output's shape, so every output element counts with a distinct weight. Throws
 * GradientMismatch (with the worst coordinates) when |a - n| > tol · max(1, |a|, |n|).
 */
export async function checkGradients(opts: CheckOptions): Promise<CheckResult> {
  const eps = opts.eps ?? 1e-6;
  const tol = opts.tol ?? 1e-6;
  const maxCoords = opts.maxCoords ?? 40;
  const seed = opts.seed ?? 1234;
  const wrtIdx = opts.wrt ?? opts.inputs.flatMap((inp, i) => (isFloatInput(inp) ? [i] : []));

  // Input data.
  const datas = opts.inputs.map((inp, k): Float64Array | Float32Array | BigInt64Array | Uint8Array => {
    const n = inp.shape.reduce((a, b) => a * b, 1);
    const dtype = inp.dtype ?? 'float64';
    if (inp.data) {
      if (inp.data.length !== n) throw new Error(`input ${inp.name}: ${inp.data.length} values for shape [${inp.shape}]`);
      return inp.data;
    }
    if (dtype === 'float64') return randomData(n, seed + 17 * k + 1);
    if (dtype === 'float32') return Float32Array.from(randomData(n, seed + 17 * k + 1));
    throw new Error(`input ${inp.name}: ${dtype} inputs need explicit data`);
  });

  const makeGraph = (rShape?: readonly number[]) => {
    const g = new Graph('gradcheck');
    const vals = opts.inputs.map((inp) => g.input(inp.name, inp.dtype ?? 'float64', inp.graphShape ?? inp.shape));
    let out = opts.build(g, vals);
    if (out.dtype !== 'float64') out = op.cast(out, 'float64');
    return { g, vals, out, rShape };
  };

  const feeds = (override?: { k: number; data: Float64Array | Float32Array }): Record<string, HostTensor> => {
    const f: Record<string, HostTensor> = { ...(opts.extraFeeds ?? {}) };
    opts.inputs.forEach((inp, k) => {
      const dtype: DType = inp.dtype ?? 'float64';
      f[inp.name] = { dtype, dims: inp.shape, data: override && override.k === k ? override.data : datas[k]! };
    });
    return f;
  };

  // The output's runtime shape: static from the graph, or measured by a forward run when symbolic.
  const probe = makeGraph();
  let outDims: number[];
  if (probe.out.shape.every((d) => typeof d === 'number')) {
    outDims = probe.out.shape as number[];
  } else {
    probe.g.output(probe.out);
    const s = await GraphSession.create(probe.g, { optimizationLevel: opts.optimizationLevel ?? 'all' });
    const r = await s.run(feeds());
    await s.release();
    outDims = [...r[probe.out.name]!.dims];
  }
  const rData = randomData(outDims.reduce((a, b) => a * b, 1), seed + 999, 0.5, 1.5).map((x, i) => (i % 2 ? -x : x));

  // The checked graph: loss and all gradients as outputs of one session.
  const { g, vals, out } = makeGraph();
  const symbolicOut = !out.shape.every((d) => typeof d === 'number');
  const extraR = symbolicOut ? g.input('__gradcheck_R', 'float64', out.shape) : g.constant(rData, 'float64', outDims, 'gradcheck_R');
  const loss = op.reduceSum(op.mul(out, extraR), Array.from({ length: out.rank }, (_, i) => i), false);
  const lossOut = g.output(loss, '__loss');
  const wrtVals = wrtIdx.map((i) => vals[i]!);
  const grads = gradients(lossOut, wrtVals);
  const gradOuts = grads.map((gv, j) => g.output(gv, `__grad_${j}`));
  const session = await GraphSession.create(g, { optimizationLevel: opts.optimizationLevel ?? 'all' });
  const fullFeeds = (o?: { k: number; data: Float64Array | Float32Array }) => {
    const f = feeds(o);
    if (symbolicOut) f.__gradcheck_R = { dtype: 'float64', dims: outDims, data: rData };
    return f;
  };

  try {
    const base = await session.run(fullFeeds());
    const lossValue = Number((base.__loss!.data as Float64Array)[0]);
    let analytic = gradOuts.map((go, j) => {
      const t = base[go.name]!;
      const k = wrtIdx[j]!;
      expect([...t.dims], `gradient of ${opts.inputs[k]!.name} has the input's shape`).toEqual(opts.inputs[k]!.shape);
      return toF64(t.data);
    });
    if (opts.tamper) analytic = opts.tamper(analytic);

    let maxError = 0;
    let checked = 0;
    const failures: string[] = [];
    const rnd = mulberry32(seed + 4242);
    for (let j = 0; j < wrtIdx.length; j++) {
      const k = wrtIdx[j]!;
      const orig = datas[k] as Float64Array | Float32Array;
      const n = orig.length;
      let coords = Array.from({ length: n }, (_, i) => i);
      if (n > maxCoords) {
        for (let i = n - 1; i > 0; i--) {
          const r = Math.floor(rnd() * (i + 1));
          [coords[i], coords[r]] = [coords[r]!, coords[i]!];
        }
        coords = coords.slice(0, maxCoords);
      }
      for (const c of coords) {
        const plus = orig.slice();
        plus[c] = orig[c]! + eps;
        const minus = orig.slice();
        minus[c] = orig[c]! - eps;
        const fp = Number((await session.run(fullFeeds({ k, data: plus }))).__loss!.data[0]);
        const fm = Number((await session.run(fullFeeds({ k, data: minus }))).__loss!.data[0]);
        // Use the step actually taken (matters for float32 inputs).
        const numeric = (fp - fm) / (plus[c]! - minus[c]!);
        const a = analytic[j]![c]!;
        const err = Math.abs(a - numeric) / Math.max(1, Math.abs(a), Math.abs(numeric));
        checked++;
        if (!(err <= tol)) failures.push(`${opts.inputs[k]!.name}[${c}]: analytic ${a}, numeric ${numeric}, error ${err}`);
        if (!(err <= maxError)) maxError = Number.isNaN(err) ? Infinity : Math.max(maxError, err);
      }
    }
    if (failures.length) {
      throw new GradientMismatch(`gradient check failed (tol ${tol}) for ${failures.length}/${checked} coordinates:\n  ${failures.slice(0, 8).join('\n  ')}`);
    }
    return { maxError, checked, loss: lossValue, analytic };
  } finally {
    await session.release();
  }
}
