/**
 * GPU check (dev-only, run on a machine with an NVIDIA GPU through a Vulkan driver): is
 * onnxruntime-node's bundled WebGPU execution provider usable for our graphs, do its numbers
 * agree with the CPU provider, and how fast is a train step on it next to the CPU?
 *
 *   node gpu_check.mjs MODELS_DIR OUT_DIR      (bundled by bench/device/bundle.sh)
 *
 * MODELS_DIR holds stories260K; a SmolLM2-135M-shaped random model is written to /tmp.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { CachedGenerator } from '../../src/engine/inference/cached_generator.js';
import { loadModel, type LoadedModel } from '../../src/engine/models/load_model.js';
import type { ProviderName } from '../../src/engine/runtime/session.js';
import { softPrompt } from '../../src/engine/tuning/soft_prompt.js';
import { TrainStepRunner } from '../../src/engine/tuning/train_step_runner.js';
import { mulberry32 } from '../../src/shared/mulberry32.js';
import { ensureSmolLMShapedModel } from '../synthetic_model.js';

const [modelsDir = '.', outDir = '.'] = process.argv.slice(2);
mkdirSync(outDir, { recursive: true });
const results: Record<string, unknown> = { cpus: cpus().length, node: process.version };
const save = () => writeFileSync(join(outDir, 'gpu_check.json'), JSON.stringify(results, null, 2));
const log = (m: string) => process.stdout.write(`[${new Date().toISOString()}] ${m}\n`);

function batch(vocab: number, B: number, L: number, labels: number, seed: number) {
  const r = mulberry32(seed);
  return Array.from({ length: B }, () => ({ ids: [1, ...Array.from({ length: L - 1 }, () => 3 + Math.floor(r() * (vocab - 3)))], labelStart: L - labels }));
}

async function timeSteps(model: LoadedModel, provider: ProviderName, n: number, B: number, L: number, steps: number) {
  const t0 = performance.now();
  const runner = await TrainStepRunner.create(model, n, { dtype: 'float32', provider });
  const createMs = performance.now() - t0;
  const r = mulberry32(9);
  const prompt = softPrompt(n, model.spec.hiddenSize, Float64Array.from({ length: n * model.spec.hiddenSize }, () => r() - 0.5));
  const examples = batch(model.spec.vocabSize, B, L, 32, 3);
  const times: number[] = [];
  let last;
  for (let i = 0; i < steps + 2; i++) {
    const s = performance.now();
    last = await runner.step(prompt, examples);
    if (i >= 2) times.push(performance.now() - s);
  }
  await runner.release();
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  return { provider, createMs, medianStepMs: median, stepMs: times, tokensPerSecond: (B * (n + L)) / (median / 1000), loss: last!.loss, grad: last!.grad };
}

async function main() {
  const stories = loadModel(join(modelsDir, 'stories260K'));
  // 1. Correctness on the real model: loss, gradient and greedy generation, WebGPU vs CPU.
  for (const provider of ['webgpu'] as const) {
    try {
      const ex = batch(512, 4, 48, 16, 1);
      const prompt = softPrompt(4, 64, Float64Array.from({ length: 256 }, (_, i) => 0.3 * Math.sin(i)));
      const cpu = await TrainStepRunner.create(stories, 4, { dtype: 'float32', provider: 'cpu' });
      const gpu = await TrainStepRunner.create(stories, 4, { dtype: 'float32', provider });
      const a = await cpu.step(prompt, ex);
      const b = await gpu.step(prompt, ex);
      let maxDiff = 0;
      let maxAbs = 0;
      a.grad.forEach((g, i) => {
        maxDiff = Math.max(maxDiff, Math.abs(g - b.grad[i]!));
        maxAbs = Math.max(maxAbs, Math.abs(g));
      });
      const gen = await CachedGenerator.create(stories, { dtype: 'float32', provider });
      const ids = (await gen.generate(undefined, [1], { maxNewTokens: 40 })).ids;
      await gen.release();
      results[`stories_${provider}`] = { lossCpu: a.loss, lossGpu: b.loss, gradMaxAbsDiff: maxDiff, gradMaxAbs: maxAbs, greedy40: ids };
      log(`stories ${provider}: loss cpu ${a.loss} gpu ${b.loss}, grad max diff ${maxDiff} (max |g| ${maxAbs})`);
    } catch (e) {
      results[`stories_${provider}`] = { error: (e as Error).message.slice(0, 2000) };
      log(`stories ${provider} failed: ${(e as Error).message.slice(0, 500)}`);
    }
    save();
  }
  // 2. Speed on a SmolLM2-135M-shaped model: 8 × (20 + 128), labels on the last 32 tokens.
  const smol = loadModel(ensureSmolLMShapedModel('/tmp/smollm2-135m-shape', log).dir);
  for (const provider of ['webgpu', 'cpu'] as const) {
    try {
      const r = await timeSteps(smol, provider, 20, 8, 128, provider === 'cpu' ? 3 : 5);
      const { grad: _g, ...rest } = r;
      results[`smollm_${provider}`] = rest;
      log(`smollm ${provider}: ${JSON.stringify(rest)}`);
    } catch (e) {
      results[`smollm_${provider}`] = { error: (e as Error).message.slice(0, 2000) };
      log(`smollm ${provider} failed: ${(e as Error).message.slice(0, 500)}`);
    }
    save();
  }
}

await main();
save();
