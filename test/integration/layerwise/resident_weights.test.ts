import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CachedGenerator } from '../../../src/engine/inference/cached_generator.js';
import { ScoreRunner } from '../../../src/engine/inference/score_runner.js';
import { LayerwiseTrainStep } from '../../../src/engine/layerwise/train_step.js';
import { inferenceWeightBudget, trainHostWeightBudget } from '../../../src/engine/layerwise/strategy.js';
import { memoryShapeOf } from '../../../src/engine/models/memory_shape.js';
import { WeightFeeder } from '../../../src/engine/runtime/weight_feeder.js';
import { TrainStepRunner } from '../../../src/engine/tuning/train_step_runner.js';
import { feedByteLength } from '../../../src/engine/weights/weight_stream.js';
import { residentWeightBytes } from '../../../src/shared/memory_estimate.js';
import type { TinyVariant } from '../../fixtures/tiny/tiny_models.js';
import { goldenCase, loadGolden } from '../../helpers/golden.js';

/**
 * Host-resident weights (runtime/weight_feeder.ts hostWeightBudget): each fed tensor read once
 * into a buffer of its own and fed from it on every later run, instead of being read from the
 * files into reused buffers on every run. The values fed are the same bytes, so every result
 * must be bit for bit the streamed one, and the bytes kept never pass the budget.
 * F32, BF16 (widened to float32 when kept), F16 (kept as float16) and an untied head.
 */
const golden = loadGolden();
const root = mkdtempSync(join(tmpdir(), 'sps-resident-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const VARIANTS: TinyVariant[] = ['llama', 'qwen2', 'llama_untied', 'llama_bf16', 'llama_f16'];

describe.each(VARIANTS.map((v) => [v]))('%s: host-resident weights', (variant) => {
  const { g, model, prompt, examples } = goldenCase(golden, variant, root);
  const all = residentWeightBytes(memoryShapeOf(model));

  it.each([['saved'], ['recompute']] as const)('the %s train step gives the streamed loss and gradient bit for bit, kept or partly kept', async (backward) => {
    for (const dtype of ['float32', 'float64'] as const) {
      const opts = { dtype, backward, headChunkRows: 2, headSliceRows: 40 };
      const streamed = await LayerwiseTrainStep.create(model, g.num_virtual_tokens, { ...opts, hostWeightBudget: 0 });
      const kept = await LayerwiseTrainStep.create(model, g.num_virtual_tokens, { ...opts, hostWeightBudget: Infinity });
      const partly = await LayerwiseTrainStep.create(model, g.num_virtual_tokens, { ...opts, hostWeightBudget: Math.floor(all / 2) });
      const padId = 0;
      const a = await streamed.step(prompt, examples, padId);
      for (const other of [kept, partly]) {
        // Twice: the second step is fed from the kept buffers only.
        for (let i = 0; i < 2; i++) {
          const b = await other.step(prompt, examples, padId);
          expect(b.loss).toBe(a.loss);
          expect(b.numLabelTokens).toBe(a.numLabelTokens);
          expect(Array.from(b.grad)).toEqual(Array.from(a.grad));
        }
      }
      // Every fed weight kept, nothing streamed: the plan's count of them (memory_estimate.ts
      // residentWeightBytes) is exact — it is the budget the engine gives the feeder.
      expect(kept.residentWeightBytes).toBe(all);
      await streamed.release();
      await kept.release();
      await partly.release();
    }
  });

  it('scoring and cached generation give the streamed results bit for bit', async () => {
    const s0 = await ScoreRunner.create(model, g.num_virtual_tokens, { dtype: 'float32', strategy: 'layerwise', hostWeightBudget: 0 });
    const s1 = await ScoreRunner.create(model, g.num_virtual_tokens, { dtype: 'float32', strategy: 'layerwise', hostWeightBudget: Infinity });
    expect(await s1.score(prompt, examples, 2)).toEqual(await s0.score(prompt, examples, 2));
    await s0.release();
    await s1.release();
    const g0 = await CachedGenerator.create(model, { dtype: 'float32', strategy: 'layerwise', hostWeightBudget: 0 });
    const g1 = await CachedGenerator.create(model, { dtype: 'float32', strategy: 'layerwise', hostWeightBudget: Infinity });
    const ids = examples[0]!.ids.slice(0, 5);
    expect(await g1.generate(prompt, ids, { maxNewTokens: 6 })).toEqual(await g0.generate(prompt, ids, { maxNewTokens: 6 }));
    await g0.release();
    await g1.release();
  });

  it('keeps tensors up to the budget and streams the rest through the reused buffers', async () => {
    const infos = [...model.weights.tensors.values()];
    const sizes = infos.map((t) => feedByteLength(t));
    const budget = sizes.slice(0, 3).reduce((a, b) => a + b, 0) + 1;
    const feeder = new WeightFeeder({ hostWeightBudget: budget });
    const streamed = new WeightFeeder();
    const first = [];
    for (const t of infos) first.push(await feeder.feed(t, 'slot'));
    expect(feeder.hostResidentWeightBytes).toBeLessThanOrEqual(budget);
    expect(feeder.hostResidentWeightBytes).toBeGreaterThanOrEqual(sizes[0]! + sizes[1]! + sizes[2]!);
    for (const [i, t] of infos.entries()) {
      const again = await feeder.feed(t, 'slot');
      const ref = await streamed.feed(t, 'ref');
      expect('data' in again && 'data' in ref).toBe(true);
      if (!('data' in again) || !('data' in ref)) continue;
      expect(again.dtype).toBe(ref.dtype);
      expect(again.dims).toEqual(ref.dims);
      expect(Array.from(again.data as Float32Array)).toEqual(Array.from(ref.data as Float32Array));
      const kept = i < 3;
      // A kept tensor is the same buffer on every run; a streamed one lives in the slot's buffer.
      if (kept) expect(again).toBe(first[i]);
      else expect(again.data.buffer).toBe((await feeder.feed(infos[infos.length - 1]!, 'slot') as { data: Float32Array }).data.buffer);
    }
    // The kept buffers are not the stream's: reading other tensors through the slot leaves them as they were.
    const copy = Array.from((first[0] as { data: Float32Array }).data);
    for (const t of infos) await feeder.feed(t, 'slot');
    expect(Array.from((first[0] as { data: Float32Array }).data)).toEqual(copy);
    feeder.close();
    streamed.close();
  });
});

describe('the memory plan', () => {
  it('gives the train step every fed weight where half the free memory holds them, none where it does not', async () => {
    const { g, model, prompt, examples } = goldenCase(golden, 'llama', join(root, 'plan'));
    const all = residentWeightBytes(memoryShapeOf(model));
    const workload = { batch: 2, seqLen: 16, labelRows: 8 };
    expect(trainHostWeightBudget(model, 4, 'layerwise-saved', workload, { free: 16 * 2 ** 30, total: 16 * 2 ** 30 })).toBe(all);
    expect(trainHostWeightBudget(model, 4, 'layerwise-recompute', workload, { free: 16 * 2 ** 30, total: 16 * 2 ** 30 })).toBe(all);
    // Not even the runtime fits: stream.
    expect(trainHostWeightBudget(model, 4, 'layerwise-saved', workload, { free: 2 ** 20, total: 2 ** 30 })).toBe(0);
    expect(trainHostWeightBudget(model, 4, 'keep', workload, { free: 16 * 2 ** 30, total: 16 * 2 ** 30 })).toBe(0);
    expect(inferenceWeightBudget(model, { free: 16 * 2 ** 30, total: 16 * 2 ** 30 })).toBe(all);
    expect(inferenceWeightBudget(model, { free: 2 ** 20, total: 2 ** 30 })).toBe(0);

    // The runner takes the plan's budget unless told one; the results are the streamed ones.
    const planned = await TrainStepRunner.create(model, g.num_virtual_tokens, { dtype: 'float32', strategy: 'layerwise-saved' });
    const none = await TrainStepRunner.create(model, g.num_virtual_tokens, { dtype: 'float32', strategy: 'layerwise-saved', hostWeightBudget: 0 });
    const a = await planned.step(prompt, examples);
    const b = await none.step(prompt, examples);
    expect(a.loss).toBe(b.loss);
    expect(Array.from(a.grad)).toEqual(Array.from(b.grad));
    await planned.release();
    await none.release();
  });
});
