import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gradients } from '../../../src/engine/autodiff/gradients.js';
import { buildSavedProductGraphs } from '../../../src/engine/graphs/layerwise/layer_graphs.js';
import { feedSavedValues, SAVED_PREFIX, weightProducts } from '../../../src/engine/graphs/layerwise/saved_values.js';
import { loadModel } from '../../../src/engine/models/load_model.js';
import { Graph, type Value } from '../../../src/engine/onnx/graph.js';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { liveNodes } from '../../../src/engine/onnx/serialize.js';
import { GraphSession, tensor } from '../../../src/engine/runtime/session.js';
import { writeTinyModel } from '../../fixtures/tiny/tiny_models.js';

const f64 = (xs: number[]) => Float64Array.from(xs);

/**
 * x [2, 3] → n = x·x (element-wise) → y = n·Wᵀ (Gemm by weight w [3, 3], through a Cast)
 * → s = sigmoid(y) · y → r = x + s·Uᵀ (a second product, read only by the residual Add);
 * the gradient of r with respect to x, seeded by g.
 */
function block(): { g: Graph; x: Value; w: Value; u: Value; grad: Value; products: Value[] } {
  const g = new Graph('block');
  const x = g.input('x', 'float64', [2, 3]);
  const w = g.input('w.w', 'float32', [3, 3]);
  const u = g.input('w.u', 'float64', [3, 3]);
  const seed = g.input('g', 'float64', [2, 3]);
  const y = op.gemm(op.mul(x, x), op.cast(w, 'float64'), undefined, { transB: true });
  const s = op.mul(op.sigmoid(y), y);
  const r = op.add(x, op.gemm(s, u, undefined, { transB: true }));
  const products = weightProducts(g, (v) => v.name.startsWith('w.'));
  const [grad] = gradients(r, [x], seed);
  g.output(grad!, 'grad_x');
  return { g, x, w, u, grad: grad!, products };
}

const feeds = {
  x: tensor('float64', [2, 3], f64([0.1, -0.4, 0.7, 1.2, -0.3, 0.5])),
  'w.w': tensor('float32', [3, 3], Float32Array.from([0.5, -0.25, 1, 0.75, 0.125, -0.5, -1, 0.25, 0.5])),
  'w.u': tensor('float64', [3, 3], f64([0.3, -0.2, 0.1, 0.4, 0.9, -0.6, 0.2, 0.05, -0.7])),
  g: tensor('float64', [2, 3], f64([1, -2, 0.5, 0.25, 1.5, -1])),
};

describe('saved weight products (selective recomputation)', () => {
  it('finds the products by a weight behind its Cast, not the gradient products', () => {
    const { products } = block();
    expect(products.map((v) => v.producer?.opType)).toEqual(['Gemm', 'Gemm']);
  });

  it('feeds the products the backward reads, drops the ones it does not, and the gradient is unchanged', async () => {
    const ref = block();
    const want = (await (await GraphSession.create(ref.g)).run(feeds)).grad_x!.data as Float64Array;

    const { g, products } = block();
    const [y, su] = products as [Value, Value];
    const kept = feedSavedValues(g, products);
    // y is read by the sigmoid's backward; s·Uᵀ only by the residual Add, whose backward needs neither input.
    expect(kept).toEqual([y.name]);
    expect(g.inputs.map((v) => v.name)).toEqual(['x', 'w.w', 'w.u', 'g', `${SAVED_PREFIX}${y.name}`]);
    const live = liveNodes(g).nodes;
    expect(live.some((n) => n.outputs.includes(y) || n.outputs.includes(su))).toBe(false);
    // What is left of the forward: x·x is no longer computed either (only the product read it).
    expect(live.filter((n) => n.opType === 'Mul' && n.inputs[0]?.name === 'x' && n.inputs[1]?.name === 'x')).toHaveLength(0);

    const s = await GraphSession.create(g);
    const yValue = (await (await GraphSession.create(withOutput(block(), 0))).run(feeds)).y!;
    const got = (await s.run({ ...feeds, [`${SAVED_PREFIX}${y.name}`]: yValue })).grad_x!.data as Float64Array;
    expect(Array.from(got)).toEqual(Array.from(want));
  });
});

/** The block's graph with product `i` as an output named y (what the forward hands over). */
function withOutput(b: ReturnType<typeof block>, i: number): Graph {
  b.g.output(b.products[i]!, 'y');
  return b.g;
}

describe('layer graphs with saved products, on a tiny llama', () => {
  const root = mkdtempSync(join(tmpdir(), 'sps-saved-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each([['llama'], ['qwen2'], ['gpt2']] as const)('%s: the backward computes no forward product, and the forward outputs what it reads', (variant) => {
    writeTinyModel(variant, join(root, variant));
    const model = loadModel(join(root, variant));
    const { forward, backward, saved } = buildSavedProductGraphs(model, { dtype: 'float32', numVirtualTokens: 0 });
    // llama / qwen2: o, gate, up (not down) and the attention's queries, keys (after RoPE) and
    // values in head layout, which replace the q, k, v products; gpt2: o, the MLP's first
    // product and the attention's operands (its fused qkv product is no longer read).
    expect(saved).toHaveLength(variant === 'gpt2' ? 5 : 6);
    expect(forward.graph.outputs.map((v) => v.name).slice(1)).toEqual(saved.map((v) => v.output));
    // The forward hands the values over as computed (no Identity copies them).
    const producers = forward.graph.outputs.slice(1).map((v) => v.producer?.opType);
    expect(producers.filter((t) => t === 'Gemm')).toHaveLength(variant === 'gpt2' ? 2 : 3);
    expect(producers).not.toContain('Identity');
    const attentionOperands = new Set(forward.graph.handOver.map((v) => v.name));
    expect(saved.filter((v) => attentionOperands.has(v.output))).toHaveLength(3);
    expect(backward.graph.inputs.map((v) => v.name).filter((n) => n.startsWith(SAVED_PREFIX))).toEqual(saved.map((v) => v.input));
    // Products left in the backward: one dY·Wᵀ per weight matrix of the block, and the two attention products and their gradients.
    const live = liveNodes(backward.graph).nodes;
    const byWeight = live.filter((n) => (n.opType === 'Gemm' || n.opType === 'MatMul') && n.inputs.some((i) => i && backward.fed.some((f) => f.input === (i.producer?.opType === 'Cast' ? i.producer.inputs[0]?.name : i.name))));
    const weightMatrices = backward.fed.filter((f) => f.shape.length === 2).length;
    expect(byWeight).toHaveLength(weightMatrices);
    // Every weight input of the backward is read (biases of saved products are dropped from the feeds).
    const used = liveNodes(backward.graph).used;
    for (const f of backward.fed) expect(used.has(f.input)).toBe(true);
  });
});
