/**
 * Host↔device traffic per train step for the device bench's shapes (SmolLM2-135M, Qwen2.5-0.5B,
 * Qwen2.5-1.5B; batch 8 × (20 + 128), 32 labels each), from the formulas the tests check against
 * the counted traffic of real steps (src/engine/layerwise/step_traffic.ts): keep-everything,
 * layer-wise fed from the host (CPU provider, CUDA, or WebGPU with no weight budget), and
 * layer-wise on WebGPU with weights and hidden states on the device. Prints a Markdown table.
 *
 *   npx tsx bench/device/traffic_table.ts [SHAPE,…]
 */
import { keepStepTraffic, layerwiseStepTraffic, type TrafficShape } from '../../src/engine/layerwise/step_traffic.js';
import { SHAPES, tensorPlan } from './shape_models.js';

const names = (process.argv[2] ?? 'smollm2-135m,qwen2.5-0.5b,qwen2.5-1.5b').split(',');
const MiB = (b: number): string => (b / 2 ** 20 >= 100 ? (b / 2 ** 20).toFixed(0) : (b / 2 ** 20).toFixed(2));
const GiB = (b: number): string => (b / 2 ** 30).toFixed(2);

console.log('| shape | keep-everything: up / down per step | layer-wise, fed from the host: up / down | layer-wise, WebGPU device-resident: up / down | weights on the device (float32) | first step uploads |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const name of names) {
  const s = SHAPES[name]!;
  const plan = tensorPlan(s);
  // BF16 checkpoints are fed widened to float32 (weights/weight_stream.ts: feedDTypeOf).
  const bytes = (pred: (n: string) => boolean) => plan.filter((t) => pred(t.name)).reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1) * 4, 0);
  const shape: TrafficShape = {
    hiddenSize: s.hidden,
    numLayers: s.layers,
    vocabSize: s.vocab,
    layerWeightBytes: bytes((n) => n.startsWith('model.layers.0.')),
    normWeightBytes: bytes((n) => n === 'model.norm.weight'),
    headWeightBytes: s.vocab * s.hidden * 4, // tied: the embedding matrix is the head
  };
  const w = { batch: s.batch.B, seqLen: s.batch.L, virtualTokens: s.batch.virtual, labelRows: s.batch.B * s.batch.labels, dtype: 'float32' as const };
  const keep = keepStepTraffic(shape, w);
  const fed = layerwiseStepTraffic(shape, w, false);
  const dev = layerwiseStepTraffic(shape, w, true);
  const resident = shape.numLayers * shape.layerWeightBytes + shape.normWeightBytes + shape.headWeightBytes;
  console.log(`| ${name} | ${MiB(keep.sentBytes)} / ${MiB(keep.fetchedBytes)} MiB | ${MiB(fed.sentBytes)} / ${MiB(fed.fetchedBytes)} MiB | ${MiB(dev.sentBytes)} / ${MiB(dev.fetchedBytes)} MiB | ${GiB(resident)} GiB | ${GiB(resident + dev.sentBytes)} GiB |`);
}
