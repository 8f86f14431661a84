import { beforeAll, describe, expect, it } from 'vitest';
import type { TokenizedExample } from '../../../src/engine/data/example.js';
import { LayerwiseForward } from '../../../src/engine/layerwise/forward_stack.js';
import { headChunkRows, headSliceRows } from '../../../src/engine/layerwise/head_chunks.js';
import { layerwiseStepTraffic, trafficShapeOf } from '../../../src/engine/layerwise/step_traffic.js';
import { LayerwiseTrainStep } from '../../../src/engine/layerwise/train_step.js';
import { loadModel } from '../../../src/engine/models/load_model.js';
import type { ProviderName } from '../../../src/engine/runtime/session.js';
import { trafficSince, trafficSnapshot } from '../../../src/engine/runtime/traffic.js';
import { softPrompt } from '../../../src/engine/tuning/soft_prompt.js';
import { TrainStepRunner } from '../../../src/engine/tuning/train_step_runner.js';
import { storiesModelDir } from '../../helpers/fixtures.js';
import { webgpuTestDevice } from '../../helpers/webgpu.js';

/**
 * The layer-wise step on WebGPU keeps weights (uploaded once) and the hidden states between
 * layers in device memory (runtime/weight_feeder.ts, layerwise/layer_stack.ts): same loss and
 * gradient as the CPU provider, and after the first step only activations at the ends of the
 * stack and the head's rows cross the bus (layerwiseStepTraffic). With no device budget for
 * weights it falls back to feeding them from the host, with the same results.
 */
const REL_TOL = 1e-4;
const examples: TokenizedExample[] = [
  { ids: [1, 403, 407, 261, 378, 432, 383, 286, 261, 376], labelStart: 6 },
  { ids: [1, 300, 301, 302, 303, 304, 305, 306, 307, 308], labelStart: 4 },
];
const n = 3;
const prompt = softPrompt(n, 64, Float64Array.from({ length: n * 64 }, (_, i) => 0.2 * Math.cos(i)));
const model = loadModel(storiesModelDir());
const shape = trafficShapeOf(model);
const PAD = 0;

let device: ProviderName;
beforeAll(async () => {
  device = await webgpuTestDevice();
});

function relErr(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  let diff = 0;
  let max = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - ref[i]!));
    max = Math.max(max, Math.abs(ref[i]!));
  }
  expect(max).toBeGreaterThan(0);
  return diff / max;
}

describe('layer-wise step on WebGPU with device-resident weights and hidden states', () => {
  it.each([['recompute'], ['saved']] as const)('equals the CPU step; steps after the first move only activations (%s backward)', async (backward) => {
    const cpu = await LayerwiseTrainStep.create(model, n, { backward, dtype: 'float32', provider: 'cpu', headChunkRows: 4, headSliceRows: 200 });
    const ref = await cpu.step(prompt, examples, PAD);
    await cpu.release();
    const gpu = await LayerwiseTrainStep.create(model, n, { backward, dtype: 'float32', provider: device, headChunkRows: 4, headSliceRows: 200 });
    try {
      const t0 = trafficSnapshot();
      const first = await gpu.step(prompt, examples, PAD);
      const firstTraffic = trafficSince(t0);
      // Every weight went up once: the layers' and the head's.
      const allWeights = shape.numLayers * shape.layerWeightBytes + shape.normWeightBytes + shape.headWeightBytes;
      expect(gpu.deviceWeightBytes).toBe(allWeights);
      const t1 = trafficSnapshot();
      const second = await gpu.step(prompt, examples, PAD);
      const steady = trafficSince(t1);
      const workload = { batch: 2, seqLen: 10, virtualTokens: n, labelRows: ref.numLabelTokens, dtype: 'float32' as const, headChunkRows: 4, headSliceRows: 200 };
      expect(steady).toEqual(layerwiseStepTraffic(shape, workload, true));
      expect(firstTraffic.sentBytes).toBe(steady.sentBytes + allWeights);
      const fed = layerwiseStepTraffic(shape, workload, false);
      expect(steady.sentBytes).toBeLessThan(fed.sentBytes / 10);
      // Three vocabulary slices of the head (the last one short), each uploaded once.
      expect(Math.ceil(shape.vocabSize / 200)).toBe(3);
      for (const r of [first, second]) {
        expect(Math.abs(r.loss - ref.loss) / ref.loss).toBeLessThan(1e-5);
        expect(relErr(r.grad, ref.grad)).toBeLessThan(REL_TOL);
      }
    } finally {
      await gpu.release();
    }
  }, 120_000);

  it('with no device budget for weights, feeds them from the host with the same result', async () => {
    const cpu = await LayerwiseTrainStep.create(model, n, { backward: 'recompute', dtype: 'float32', provider: 'cpu' });
    const ref = await cpu.step(prompt, examples, PAD);
    await cpu.release();
    const gpu = await LayerwiseTrainStep.create(model, n, { backward: 'recompute', dtype: 'float32', provider: device, deviceWeightBudget: 0 });
    try {
      const t0 = trafficSnapshot();
      const r = await gpu.step(prompt, examples, PAD);
      const measured = trafficSince(t0);
      expect(gpu.deviceWeightBytes).toBe(0);
      // Weights fed from the host every run; hidden states still stay on the device.
      const fed = layerwiseStepTraffic(shape, { batch: 2, seqLen: 10, virtualTokens: n, labelRows: ref.numLabelTokens, dtype: 'float32' }, false);
      const resident = layerwiseStepTraffic(shape, { batch: 2, seqLen: 10, virtualTokens: n, labelRows: ref.numLabelTokens, dtype: 'float32' }, true);
      const chunks = Math.ceil(ref.numLabelTokens / headChunkRows(headSliceRows(shape.vocabSize, shape.hiddenSize, 'float32'), 'float32'));
      const weightsFed = 2 * shape.numLayers * shape.layerWeightBytes + 2 * shape.normWeightBytes + chunks * shape.headWeightBytes;
      expect(measured.sentBytes).toBe(resident.sentBytes + weightsFed);
      expect(measured.sentBytes).toBeLessThan(fed.sentBytes);
      expect(Math.abs(r.loss - ref.loss) / ref.loss).toBeLessThan(1e-5);
      expect(relErr(r.grad, ref.grad)).toBeLessThan(REL_TOL);
    } finally {
      await gpu.release();
    }
  }, 120_000);

  it.each([
    ['0.5', 'none stays: every run is fed from the host'],
    ['64', 'every weight stays after the first step'],
  ])('the weights budget follows the device memory (SPS_DEVICE_MEMORY_GB=%s: %s)', async (gb) => {
    const before = process.env.SPS_DEVICE_MEMORY_GB;
    process.env.SPS_DEVICE_MEMORY_GB = gb;
    const runner = await TrainStepRunner.create(model, n, { dtype: 'float32', provider: device, strategy: 'layerwise-recompute' });
    try {
      await runner.step(prompt, examples);
      const t0 = trafficSnapshot();
      const r = await runner.step(prompt, examples);
      const steady = trafficSince(t0);
      const workload = { batch: 2, seqLen: 10, virtualTokens: n, labelRows: r.numLabelTokens, dtype: 'float32' as const };
      const resident = layerwiseStepTraffic(shape, workload, true);
      if (gb === '64') {
        expect(steady).toEqual(resident);
      } else {
        const chunks = Math.ceil(r.numLabelTokens / headChunkRows(headSliceRows(shape.vocabSize, shape.hiddenSize, 'float32'), 'float32'));
        expect(steady.sentBytes).toBe(resident.sentBytes + 2 * shape.numLayers * shape.layerWeightBytes + 2 * shape.normWeightBytes + chunks * shape.headWeightBytes);
      }
    } finally {
      await runner.release();
      if (before === undefined) delete process.env.SPS_DEVICE_MEMORY_GB;
      else process.env.SPS_DEVICE_MEMORY_GB = before;
    }
  }, 120_000);

  it('forward-only passes (evaluation scores) equal the CPU provider', async () => {
    const cpu = await LayerwiseForward.create(model, n, { dtype: 'float32', provider: 'cpu' });
    const gpu = await LayerwiseForward.create(model, n, { dtype: 'float32', provider: device });
    try {
      const a = await cpu.labelLogprobs(prompt, examples, PAD);
      const b = await gpu.labelLogprobs(prompt, examples, PAD);
      expect(relErr(b, a)).toBeLessThan(1e-5);
    } finally {
      await cpu.release();
      await gpu.release();
    }
  }, 120_000);
});
