import { describe, expect, it } from 'vitest';
import type { TokenizedExample } from '../../../src/engine/data/example.js';
import { keepStepTraffic, layerwiseStepTraffic, trafficShapeOf } from '../../../src/engine/layerwise/step_traffic.js';
import { loadModel } from '../../../src/engine/models/load_model.js';
import { trafficSince, trafficSnapshot } from '../../../src/engine/runtime/traffic.js';
import { softPrompt } from '../../../src/engine/tuning/soft_prompt.js';
import { TrainStepRunner } from '../../../src/engine/tuning/train_step_runner.js';
import { storiesModelDir } from '../../helpers/fixtures.js';

/**
 * Host↔device traffic of a layer-wise step (recomputing backward), counted at the session boundary (runtime/traffic.ts),
 * equals what layerwiseStepTraffic predicts for a provider that feeds everything from the host
 * (the CPU provider: the same bytes a GPU provider without device-resident weights copies).
 * The device-resident counterpart is checked on WebGPU (test/integration/webgpu).
 */
const TRAFFIC_EXAMPLES: TokenizedExample[] = [
  { ids: [1, 403, 407, 261, 378, 432, 383, 286, 261, 376], labelStart: 6 },
  { ids: [1, 300, 301, 302, 303, 304, 305, 306, 307, 308], labelStart: 4 },
];

describe('step traffic at the session boundary (CPU provider: the layer-wise step feeds everything from the host)', () => {
  // Few label rows (the last layer runs on them) and every row labelled (it runs whole).
  const LM_EXAMPLES: TokenizedExample[] = TRAFFIC_EXAMPLES.map((e) => ({ ...e, labelStart: 1 }));
  it.each([
    [2, 100, TRAFFIC_EXAMPLES],
    [undefined, undefined, TRAFFIC_EXAMPLES],
    [undefined, undefined, LM_EXAMPLES],
  ])('equals the formula (head chunks of %s rows, slices of %s)', async (headChunkRows, headSliceRows, examples) => {
    const model = loadModel(storiesModelDir());
    const n = 3;
    const prompt = softPrompt(n, 64, Float64Array.from({ length: n * 64 }, (_, i) => 0.2 * Math.cos(i)));
    const runner = await TrainStepRunner.create(model, n, { dtype: 'float32', strategy: 'layerwise-recompute', ...(headChunkRows ? { headChunkRows } : {}), ...(headSliceRows ? { headSliceRows } : {}) });
    try {
      await runner.step(prompt, examples);
      const before = trafficSnapshot();
      const r = await runner.step(prompt, examples);
      const measured = trafficSince(before);
      const expected = layerwiseStepTraffic(trafficShapeOf(model), { batch: 2, seqLen: 10, virtualTokens: n, labelRows: r.numLabelTokens, dtype: 'float32', ...(headChunkRows ? { headChunkRows } : {}), ...(headSliceRows ? { headSliceRows } : {}) }, false);
      expect(measured).toEqual(expected);
      // The weights dominate: every layer twice, the head matrix once per row chunk.
      expect(measured.sentBytes).toBeGreaterThan(2 * model.spec.numLayers * trafficShapeOf(model).layerWeightBytes);
    } finally {
      await runner.release();
    }
  }, 60_000);

  it('keep-everything: only the batch, the prompt, the loss and its gradient cross (weights are initializers)', async () => {
    const model = loadModel(storiesModelDir());
    const n = 3;
    const prompt = softPrompt(n, 64, Float64Array.from({ length: n * 64 }, (_, i) => 0.2 * Math.cos(i)));
    for (const precision of ['fp32', 'fp16'] as const) {
      // fp16 graphs run on the CPU provider too (slowly): here only their feeds matter.
      const runner = await TrainStepRunner.create(model, n, { dtype: 'float32', strategy: 'keep', precision });
      try {
        const before = trafficSnapshot();
        const r = await runner.step(prompt, TRAFFIC_EXAMPLES, 1);
        expect(trafficSince(before)).toEqual(keepStepTraffic(model.spec, { batch: 2, seqLen: 10, virtualTokens: n, labelRows: r.numLabelTokens, dtype: 'float32', lossScale: precision === 'fp16' }));
      } finally {
        await runner.release();
      }
    }
  }, 60_000);
});
