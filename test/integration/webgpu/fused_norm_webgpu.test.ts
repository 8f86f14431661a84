import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLayerForwardGraph } from '../../../src/engine/graphs/layerwise/layer_graphs.js';
import { loadModel } from '../../../src/engine/models/load_model.js';
import { fuseRmsNorm } from '../../../src/engine/onnx/fuse_rms_norm.js';
import { GraphSession, type ProviderName } from '../../../src/engine/runtime/session.js';
import { storiesModelDir } from '../../helpers/fixtures.js';
import { opCounts } from '../../helpers/onnx_ops.js';
import { webgpuTestDevice } from '../../helpers/webgpu.js';

/**
 * The RMSNorm fusion GPU providers get (onnx/fuse_rms_norm.ts) runs on the WebGPU provider
 * itself: onnxruntime's optimised layer forward keeps one SimplifiedLayerNormalization per
 * norm, with no copies to the host around it, and has fewer nodes than the unfused graph.
 * (Its values against the CPU provider: train_step_webgpu.test.ts, layer-wise.)
 */
let device: ProviderName;
beforeAll(async () => {
  device = await webgpuTestDevice();
});
const root = mkdtempSync(join(tmpdir(), 'sps-fused-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function optimisedOps(graph: Parameters<typeof GraphSession.create>[0], name: string): Promise<Map<string, number>> {
  const path = join(root, `${name}.onnx`);
  const s = await GraphSession.create(graph, { provider: device, optimizedModelPath: path });
  await s.release();
  return opCounts(readFileSync(path));
}

describe('RMSNorm fusion on WebGPU', () => {
  it('leaves one device kernel per norm and fewer nodes', async () => {
    const model = loadModel(storiesModelDir());
    const plain = buildLayerForwardGraph(model, { dtype: 'float32', numVirtualTokens: 0 }).graph;
    const { graph, fused } = fuseRmsNorm(plain);
    expect(fused).toBe(2); // input_layernorm and post_attention_layernorm
    const before = await optimisedOps(plain, 'plain');
    const after = await optimisedOps(graph, 'fused');
    const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    expect(after.get('SimplifiedLayerNormalization')).toBe(2);
    expect(after.get('MemcpyToHost') ?? 0).toBe(before.get('MemcpyToHost') ?? 0);
    expect(after.get('Sqrt') ?? 0).toBe(0);
    expect(total(after)).toBeLessThanOrEqual(total(before) - 10);
  }, 120_000);
});
