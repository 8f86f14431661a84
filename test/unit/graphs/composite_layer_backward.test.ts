/**
 * The composite gradient rules (autodiff/composite.ts: RMSNorm and SwiGLU) in a real decoder
 * layer's backward graph: fewer element-wise nodes than the ops' own rules chained, and the
 * same gradient (float64, random weights and inputs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gradients } from '../../../src/engine/autodiff/gradients.js';
import { buildLayerBackwardGraph, buildLayerForwardGraph, LAYER } from '../../../src/engine/graphs/layerwise/layer_graphs.js';
import { loadModel } from '../../../src/engine/models/load_model.js';
import type { Graph } from '../../../src/engine/onnx/graph.js';
import { liveNodes } from '../../../src/engine/onnx/serialize.js';
import { GraphSession, tensor, type HostTensor } from '../../../src/engine/runtime/session.js';
import { writeTinyModel } from '../../fixtures/tiny/tiny_models.js';
import { randomData } from '../../helpers/finite_diff.js';

const root = mkdtempSync(join(tmpdir(), 'sps-composite-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ELEMENTWISE = ['Mul', 'Add', 'Sub', 'Div', 'Neg', 'Expand', 'Sigmoid', 'Sqrt', 'ReduceSum', 'ReduceMean'];

/** Live nodes of each element-wise (and reduction) op type. */
function countOps(g: Graph): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of liveNodes(g).nodes) if (ELEMENTWISE.includes(n.opType)) counts[n.opType] = (counts[n.opType] ?? 0) + 1;
  return counts;
}
const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);

/** Random feeds for a layer graph: n prompt rows, B = 2 sequences of L = 3 tokens. */
function feeds(g: Graph, n: number): Record<string, HostTensor> {
  const rows = n + 2 * 3;
  const f: Record<string, HostTensor> = {};
  g.inputs.forEach((v, k) => {
    if (v.name === LAYER.mask) f[v.name] = tensor('int64', [2, 3], BigInt64Array.from([1, 1, 1, 0, 1, 1].map(BigInt)));
    else {
      const dims = v.shape.map((d) => (typeof d === 'number' ? d : rows));
      const data = randomData(dims.reduce((a, b) => a * b, 1), 77 + k, -0.5, 0.5);
      f[v.name] = tensor(v.dtype, dims, v.dtype === 'float32' ? Float32Array.from(data) : data);
    }
  });
  return f;
}

describe('a decoder layer backward with composite gradient rules', () => {
  it.each([['llama', 2], ['qwen3', 6]] as const)('%s: fewer element-wise nodes than the primitive rules, same gradient', async (variant, norms) => {
    writeTinyModel(variant, join(root, variant));
    const model = loadModel(join(root, variant));
    const opts = { dtype: 'float64' as const, numVirtualTokens: 2 };
    const withRules = buildLayerBackwardGraph(model, opts).graph;

    // The same forward, differentiated by each op's own rule.
    const primitive = buildLayerForwardGraph(model, opts).graph;
    const out = primitive.outputs[0]!;
    const gradOut = primitive.input(LAYER.gradOut, 'float64', out.shape);
    const [gradIn] = gradients(out, [primitive.inputs.find((v) => v.name === LAYER.hidden)!], gradOut, { composites: false });
    primitive.output(gradIn!, LAYER.gradIn);

    const a = countOps(withRules);
    const b = countOps(primitive);
    // One ReduceMean per RMSNorm in the forward (the primitive rules add none): the input and
    // post-attention norms, and qwen3's q and k norms (each for the prompt's and the tokens' rows).
    expect(b.ReduceMean).toBe(norms);
    // Each RMSNorm: no Expand of the mean's
    // gradient, no Neg, no ReduceSum to the denominator's shape; SwiGLU: no Sigmoid rule.
    expect((b.Expand ?? 0) - (a.Expand ?? 0)).toBe(norms);
    expect((b.Neg ?? 0) - (a.Neg ?? 0)).toBe(norms);
    expect(total(b) - total(a)).toBeGreaterThanOrEqual(5 * norms + 2);

    const feed = feeds(withRules, opts.numVirtualTokens);
    const run = async (g: Graph) => {
      const s = await GraphSession.create(g, { optimizationLevel: 'basic' });
      try {
        return (await s.run(feed))[LAYER.gradIn]!.data as Float64Array;
      } finally {
        await s.release();
      }
    };
    const got = await run(withRules);
    const want = await run(primitive);
    expect(got.length).toBe(want.length);
    const scale = Math.max(...Array.from(want, Math.abs));
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-12 * scale);
  });
});
