import { describe, expect, it } from 'vitest';
import { gradients } from '../../../src/engine/autodiff/gradients.js';
import { rmsNorm } from '../../../src/engine/models/parts/norms.js';
import { fuseRmsNorm } from '../../../src/engine/onnx/fuse_rms_norm.js';
import { Graph } from '../../../src/engine/onnx/graph.js';
import * as op from '../../../src/engine/onnx/ops/index.js';
import { GraphSession, tensor } from '../../../src/engine/runtime/session.js';

const d = 16;
const X = Float32Array.from({ length: 3 * d }, (_, i) => 2 * Math.sin(0.7 * i) + 0.1);
const W = Float32Array.from({ length: d }, (_, i) => 0.5 + 0.05 * i);

async function run(g: Graph): Promise<Record<string, Float32Array>> {
  const s = await GraphSession.create(g, { provider: 'cpu' });
  try {
    const out = await s.run({ x: tensor('float32', [3, d], X), w: tensor('float32', [d], W) });
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data as Float32Array]));
  } finally {
    await s.release();
  }
}

function normGraph(extra?: (g: Graph, x: ReturnType<Graph['input']>, y: ReturnType<typeof rmsNorm>) => void): Graph {
  const g = new Graph('norm');
  const x = g.input('x', 'float32', ['N', d]);
  const w = g.input('w', 'float32', [d]);
  const y = rmsNorm(op.add(x, 0.5), w, 1e-5);
  g.output(op.mul(y, 2), 'y');
  extra?.(g, x, y);
  return g;
}

describe('fuseRmsNorm', () => {
  it('replaces the six-node chain by one SimplifiedLayerNormalization with the same values', async () => {
    const g = normGraph();
    const { graph, fused } = fuseRmsNorm(g);
    expect(fused).toBe(1);
    const ops = graph.nodes.map((n) => n.opType);
    expect(ops.filter((o) => o === 'SimplifiedLayerNormalization')).toHaveLength(1);
    expect(ops).not.toContain('Sqrt');
    expect(ops).not.toContain('ReduceMean');
    const compute = (gr: Graph) => gr.nodes.filter((n) => n.opType !== 'Identity').length;
    expect(compute(graph)).toBe(compute(g) - 5);
    const [a, b] = [await run(g), await run(graph)];
    a.y!.forEach((v, i) => expect(Math.abs(v - b.y![i]!)).toBeLessThan(1e-6 * Math.max(1, Math.abs(v))));
  });

  it('leaves a chain alone when something else reads an intermediate (the norm backward does)', () => {
    const g = normGraph((gr) => {
      const sqrt = gr.nodes.find((n) => n.opType === 'Sqrt')!.outputs[0]!;
      gr.output(sqrt, 'rms');
    });
    expect(fuseRmsNorm(g).fused).toBe(0);
    const back = new Graph('back');
    const x = back.input('x', 'float32', ['N', d]);
    const y = rmsNorm(x, back.input('w', 'float32', [d]), 1e-5);
    const [gx] = gradients(op.reduceSum(op.mul(y, y), [0, 1], false), [x]);
    back.output(gx!, 'gx');
    expect(fuseRmsNorm(back)).toEqual({ graph: back, fused: 0 });
  });
});
