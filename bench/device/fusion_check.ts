/**
 * Which kernels onnxruntime's optimizer leaves in our per-layer graphs on each provider: writes
 * the optimised model (session option optimizedModelFilePath) of the layer forward and backward
 * graphs and counts its nodes by op type. Shows which of the element-wise chains (RMSNorm,
 * SiLU·gate, RoPE) the provider's fusions caught.
 *
 *   npx tsx bench/device/fusion_check.ts MODEL_DIR [PROVIDER,…]     (default cpu,webgpu-software)
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildLayerBackwardGraph, buildLayerForwardGraph } from '../../src/engine/graphs/layerwise/layer_graphs.js';
import { loadModel } from '../../src/engine/models/load_model.js';
import { fuseRmsNorm } from '../../src/engine/onnx/fuse_rms_norm.js';
import { GraphSession, type ProviderName } from '../../src/engine/runtime/session.js';
import { opCounts } from '../../test/helpers/onnx_ops.js';

async function main() {
  const [dir, providers = 'cpu,webgpu-software'] = process.argv.slice(2);
  if (!dir) throw new Error('usage: fusion_check.ts MODEL_DIR [PROVIDER,…]');
  const model = loadModel(dir);
  const out = mkdtempSync(join(tmpdir(), 'sps-fusion-'));
  for (const [name, build] of [['forward', buildLayerForwardGraph], ['backward', buildLayerBackwardGraph]] as const) {
    const fg = build(model, { dtype: 'float32', numVirtualTokens: 0 });
    for (const p of providers.split(',') as ProviderName[]) {
      // As createModelSession does: GPU providers get the RMSNorm fusion; shown both ways.
      for (const fuse of p === 'cpu' ? [false] : [false, true]) {
        const graph = fuse ? fuseRmsNorm(fg.graph) : { graph: fg.graph, fused: 0 };
        const path = join(out, `${name}_${p}_${fuse}.onnx`);
        const s = await GraphSession.create(graph.graph, { provider: p, externalDataFolder: dir, optimizedModelPath: path });
        await s.release();
        const counts = [...opCounts(readFileSync(path)).entries()].sort((a, b) => b[1] - a[1]);
        const total = counts.reduce((a, [, c]) => a + c, 0);
        console.log(`${name} on ${p}${fuse ? ` with our RMSNorm fusion (${graph.fused} fused)` : ''}: ${fg.graph.nodes.length} nodes built, ${total} after onnxruntime's optimisation`);
        console.log(`  ${counts.map(([op, c]) => `${op} ${c}`).join(', ')}`);
      }
    }
  }
}

if (process.argv[1]?.endsWith('fusion_check.ts')) await main();
