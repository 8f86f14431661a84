/**
 * Where a layer-wise step's time goes, one piece at a time, on a model folder (issue 9: the
 * 7B shape): reading and widening one layer's weights (WeightStream), one layer's forward,
 * one layer's recomputing backward (weights already read), and the LM head over the label
 * rows. Used to find what makes a big model slow; prints milliseconds per piece and the
 * whole-step estimate (layers × (read + forward + read + backward) + head).
 *
 *   npx tsx bench/layerwise_profile.ts bench/.cache/qwen2.5-7b-shape-bf16 [--batch 1] [--seq 84] [--layers 2] [--head-slice-rows S]
 *
 * `--head-slice-rows <vocab size>` runs the head as one slice (the whole head widened and held,
 * as before vocabulary slicing) to compare its time and peak memory with the sliced head.
 */
import { loadavg } from 'node:os';
import { buildLayerBackwardGraph, buildLayerForwardGraph, LAYER } from '../src/engine/graphs/layerwise/layer_graphs.js';
import { HeadChunks } from '../src/engine/layerwise/head_chunks.js';
import { loadModel } from '../src/engine/models/load_model.js';
import { FedSession } from '../src/engine/runtime/fed_session.js';
import { tensor } from '../src/engine/runtime/session.js';
import { WeightFeeder } from '../src/engine/runtime/weight_feeder.js';
import { mulberry32 } from '../src/shared/mulberry32.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const dir = process.argv[2];
if (!dir || dir.startsWith('--')) throw new Error('usage: layerwise_profile.ts <model dir> [--batch B] [--seq T] [--layers N]');
const B = arg('--batch', 1);
const T = arg('--seq', 84);
const layers = arg('--layers', 2);
const sliceRows = arg('--head-slice-rows', 0);

const model = loadModel(dir);
const { hiddenSize: d } = model.spec;
const feeder = new WeightFeeder();
const stream = feeder.stream;
const opts = { dtype: 'float32' as const };
// No soft prompt: B sequences of T tokens (graphs/rows.ts).
const fwdGraph = buildLayerForwardGraph(model, { ...opts, numVirtualTokens: 0 });
const bwdGraph = buildLayerBackwardGraph(model, { ...opts, numVirtualTokens: 0 });
let t = performance.now();
const fwd = await FedSession.create(fwdGraph, model.weights, feeder, opts);
const bwd = await FedSession.create(bwdGraph, model.weights, feeder, opts);
console.log(`sessions created in ${(performance.now() - t).toFixed(0)} ms; load ${loadavg()[0]!.toFixed(1)}`);

const rand = mulberry32(7);
const h = Float32Array.from({ length: B * T * d }, () => rand() - 0.5);
const g = Float32Array.from({ length: B * T * d }, () => (rand() - 0.5) * 1e-3);
const mask = tensor('int64', [B, T], new BigInt64Array(B * T).fill(1n));
const rss = (): string => `${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`;

/** Reads every weight a graph takes for `layer` into the stream (what FedSession.run does first). */
function readLayer(fed: typeof fwdGraph.fed, layer: number): string {
  const s = performance.now();
  let bytes = 0;
  for (const f of fed) {
    const info = model.weights.get(f.tensor(layer), f.shape);
    bytes += info.byteLength;
    stream.read(info, f.input);
  }
  return `${(performance.now() - s).toFixed(0)} ms (${(bytes / 2 ** 20).toFixed(0)} MB stored)`;
}

const rows: string[] = [];
for (let l = 0; l < layers; l++) {
  const readF = readLayer(fwdGraph.fed, l);
  t = performance.now();
  const out = await fwd.run(l, { [LAYER.hidden]: tensor('float32', [B * T, d], h), [LAYER.mask]: mask });
  const fwdMs = performance.now() - t;
  const readB = readLayer(bwdGraph.fed, l);
  t = performance.now();
  await bwd.run(l, { [LAYER.hidden]: tensor('float32', [B * T, d], h), [LAYER.mask]: mask, [LAYER.gradOut]: tensor('float32', [B * T, d], g) });
  const bwdMs = performance.now() - t;
  rows.push(`layer ${l}: read+widen ${readF}, forward ${fwdMs.toFixed(0)} ms, read+widen ${readB}, backward ${bwdMs.toFixed(0)} ms (out ${out[LAYER.out]!.dims.join('×')}; rss ${rss()}; load ${loadavg()[0]!.toFixed(1)})`);
  console.log(rows[rows.length - 1]);
}
await fwd.release();
await bwd.release();

const head = await HeadChunks.create(model, feeder, { ...opts, grad: true, ...(sliceRows > 0 ? { headSliceRows: sliceRows } : {}) });
const K = B * T;
const labels = Array.from({ length: K }, () => BigInt(Math.floor(rand() * model.spec.vocabSize)));
const allRows = Array.from({ length: K }, (_, i) => i);
t = performance.now();
await head.lossAndGrad(h, allRows, labels, 1 / K);
const firstMs = performance.now() - t;
// The second run: CPU time, which the machine's load does not inflate as much as wall time.
const cpu0 = process.cpuUsage();
await head.lossAndGrad(h, allRows, labels, 1 / K);
const cpu = process.cpuUsage(cpu0);
const slicing = sliceRows > 0 ? `in slices of ${sliceRows}` : 'in slices';
console.log(`head (norm, ${model.spec.vocabSize} vocabulary ${slicing}, loss and gradient) over ${K} rows: first ${firstMs.toFixed(0)} ms wall; second ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms of CPU; rss ${rss()}, peak ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
await head.release();
feeder.close();
