import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenizedExample } from '../../../src/engine/data/example.js';
import { loadModel, type LoadedModel } from '../../../src/engine/models/load_model.js';
import type { ProviderName } from '../../../src/engine/runtime/session.js';
import { softPrompt, type SoftPrompt } from '../../../src/engine/tuning/soft_prompt.js';
import type { TrainStrategy } from '../../../src/engine/layerwise/strategy.js';
import { TrainStepRunner } from '../../../src/engine/tuning/train_step_runner.js';
import { TINY_ARCHS, writeTinyModel } from '../../fixtures/tiny/tiny_models.js';
import { storiesModelDir } from '../../helpers/fixtures.js';
import { goldenExamples, goldenPrompt, loadGolden } from '../../helpers/golden.js';
import { webgpuTestDevice } from '../../helpers/webgpu.js';

/**
 * The train step on WebGPU (lavapipe in CI, a GPU where there is one) equals the CPU
 * provider's: loss, and d(loss)/d(prompt) within 1e-4 of the largest gradient entry (float32
 * sums in another order). Runs on every step strategy the trainer ships (TrainStepRunner's
 * keep-everything graph and both layer-wise ones) for stories260K and a tiny model of every
 * architecture.
 */
const REL_TOL = 1e-4;

let device: ProviderName;
beforeAll(async () => {
  device = await webgpuTestDevice();
});

async function compare(model: LoadedModel, prompt: SoftPrompt, examples: TokenizedExample[], strategy: TrainStrategy | 'auto') {
  const cpu = await TrainStepRunner.create(model, prompt.numVirtualTokens, { dtype: 'float32', provider: 'cpu', strategy });
  const gpu = await TrainStepRunner.create(model, prompt.numVirtualTokens, { dtype: 'float32', provider: device, strategy });
  try {
    expect(gpu.strategy).toBe(cpu.strategy);
    const a = await cpu.step(prompt, examples);
    const b = await gpu.step(prompt, examples);
    expect(b.numLabelTokens).toBe(a.numLabelTokens);
    expect(Math.abs(b.loss - a.loss) / Math.abs(a.loss)).toBeLessThan(1e-5);
    let maxAbs = 0;
    let maxDiff = 0;
    a.grad.forEach((g, i) => {
      maxAbs = Math.max(maxAbs, Math.abs(g));
      maxDiff = Math.max(maxDiff, Math.abs(g - b.grad[i]!));
    });
    expect(maxAbs).toBeGreaterThan(0);
    expect(maxDiff / maxAbs, `max |Δgrad| ${maxDiff}, max |grad| ${maxAbs}`).toBeLessThan(REL_TOL);
    return gpu.strategy;
  } finally {
    await cpu.release();
    await gpu.release();
  }
}

describe('WebGPU train step equals the CPU provider (stories260K)', () => {
  const model = loadModel(storiesModelDir());
  const prompt = softPrompt(4, 64, Float64Array.from({ length: 256 }, (_, i) => 0.3 * Math.sin(i)));
  // Ragged lengths (padding), labels over a span of each sequence.
  const examples: TokenizedExample[] = [
    { ids: [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315], labelStart: 6 },
    { ids: [1, 403, 407, 261, 378, 432, 383, 286], labelStart: 3 },
    { ids: [1, 300, 301, 302, 303, 304, 305, 306, 307, 308], labelStart: 9 },
  ];

  it('keep-everything graph', async () => {
    expect(await compare(model, prompt, examples, 'keep')).toBe('keep');
  }, 120_000);

  it.each([['layerwise-saved'], ['layerwise-recompute']] as const)('layer-wise step (%s)', async (strategy) => {
    expect(await compare(model, prompt, examples, strategy)).toBe(strategy);
  }, 120_000);
});

describe('WebGPU train step equals the CPU provider (a tiny model of every architecture)', () => {
  const golden = loadGolden();
  const root = mkdtempSync(join(tmpdir(), 'sps-webgpu-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each(TINY_ARCHS.map((v) => [v]))('%s (keep-everything and layer-wise)', async (variant) => {
    const g = golden[variant]!;
    const dir = join(root, variant);
    writeTinyModel(variant, dir);
    expect(await compare(loadModel(dir), goldenPrompt(g), goldenExamples(g), 'keep')).toBe('keep');
    // Layer-wise on WebGPU keeps weights, hidden states (and saved products) in device memory (weight_feeder.ts).
    for (const strategy of ['layerwise-saved', 'layerwise-recompute'] as const) expect(await compare(loadModel(dir), goldenPrompt(g), goldenExamples(g), strategy)).toBe(strategy);
  }, 120_000);
});
