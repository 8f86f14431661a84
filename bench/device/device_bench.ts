/**
 * Our train step on the GPU, fp32 and fp16, keep-everything and layer-wise, per model shape
 * (bench/device/run.sh runs it next to PyTorch + PEFT): median step time, tokens/s, peak device
 * memory and host↔device bytes per step (counted at the session boundary), as JSON.
 *
 *   node device_bench.mjs OUT_DIR SHAPE[,SHAPE…] [DEVICE]        (bundled by bundle.sh)
 *   npx tsx bench/device/device_bench.ts OUT_DIR tiny-llama webgpu-software   (here, lavapipe)
 *
 * Peak device memory is nvidia-smi's used memory sampled every 50 ms, minus what was used
 * before the session was made (onnxruntime's WebGPU has no allocator statistics); without
 * nvidia-smi (lavapipe) it is not measured and the process's peak RSS is given instead.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TokenizedExample } from '../../src/engine/data/example.js';
import type { TrainStrategy } from '../../src/engine/layerwise/strategy.js';
import { keepStepTraffic, layerwiseStepTraffic, trafficShapeOf } from '../../src/engine/layerwise/step_traffic.js';
import { loadModel } from '../../src/engine/models/load_model.js';
import { probeProviders } from '../../src/engine/runtime/providers.js';
import { keepsOnDevice, type ProviderName } from '../../src/engine/runtime/session.js';
import { trafficSince, trafficSnapshot, type Traffic } from '../../src/engine/runtime/traffic.js';
import { softPrompt } from '../../src/engine/tuning/soft_prompt.js';
import { TrainStepRunner } from '../../src/engine/tuning/train_step_runner.js';
import { mulberry32 } from '../../src/shared/mulberry32.js';
import { ensureShapeModel, SHAPES } from './shape_models.js';

const [outDir = '/tmp/out', shapeList = 'smollm2-135m,qwen2.5-0.5b,qwen2.5-1.5b', device = 'webgpu'] = process.argv.slice(2);
const STEPS = Number(process.env.BENCH_STEPS ?? 5);
/** keep-everything and layer-wise (weights, hidden states and saved products on the device on WebGPU). */
const STRATEGIES = (process.env.STRATEGIES ?? 'keep,layerwise-saved').split(',') as TrainStrategy[];
const WARMUP = 2;
mkdirSync(outDir, { recursive: true });
const log = (m: string) => process.stdout.write(`[${new Date().toISOString()}] ${m}\n`);

/** nvidia-smi's memory.used (MiB) sampled every 50 ms, or undefined without nvidia-smi. */
class GpuMemorySampler {
  private proc: ChildProcess | undefined;
  private peak = 0;
  readonly baseline: number | undefined;

  constructor() {
    const r = spawnSync('nvidia-smi', ['--query-gpu=memory.used', '--format=csv,noheader,nounits'], { encoding: 'utf8' });
    this.baseline = r.status === 0 ? Number(r.stdout.trim().split('\n')[0]) : undefined;
    if (this.baseline === undefined) return;
    this.peak = this.baseline;
    this.proc = spawn('nvidia-smi', ['--query-gpu=memory.used', '--format=csv,noheader,nounits', '-lms', '50'], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.proc.stdout!.on('data', (d: Buffer) => {
      for (const l of d.toString().split('\n')) if (l.trim()) this.peak = Math.max(this.peak, Number(l.split(',')[0]));
    });
  }

  /** Peak MiB above the baseline so far. */
  stop(): number | undefined {
    this.proc?.kill();
    return this.baseline === undefined ? undefined : this.peak - this.baseline;
  }
}

function batch(vocab: number, B: number, L: number, labels: number): TokenizedExample[] {
  const r = mulberry32(1234);
  return Array.from({ length: B }, () => ({ ids: [1, ...Array.from({ length: L - 1 }, () => 3 + Math.floor(r() * (vocab - 3)))], labelStart: L - labels }));
}

async function runOne(shape: string, dir: string, provider: ProviderName, precision: 'fp32' | 'fp16', strategy: TrainStrategy) {
  const s = SHAPES[shape]!;
  const model = loadModel(dir);
  const mem = new GpuMemorySampler();
  const t0 = performance.now();
  const runner = await TrainStepRunner.create(model, s.batch.virtual, { dtype: 'float32', provider, precision, strategy });
  const createMs = performance.now() - t0;
  const r = mulberry32(9);
  const prompt = softPrompt(s.batch.virtual, s.hidden, Float64Array.from({ length: s.batch.virtual * s.hidden }, () => (r() - 0.5) * 0.1));
  const examples = batch(s.vocab, s.batch.B, s.batch.L, s.batch.labels);
  const times: number[] = [];
  let loss = NaN;
  // Host↔device bytes of the first step (device-resident weights are uploaded in it) and of the last.
  let firstTraffic: Traffic | undefined;
  let stepTraffic: Traffic | undefined;
  try {
    for (let i = 0; i < STEPS + WARMUP; i++) {
      const t = performance.now();
      const before = trafficSnapshot();
      const out = await runner.step(prompt, examples, precision === 'fp16' ? 1024 : 1);
      if (i >= WARMUP) times.push(performance.now() - t);
      stepTraffic = trafficSince(before);
      firstTraffic ??= stepTraffic;
      loss = out.loss;
    }
  } finally {
    await runner.release();
  }
  const peakMiB = mem.stop();
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  // What the formulas checked by the tests predict for this step (a cross-check of the count).
  const w = { batch: s.batch.B, seqLen: s.batch.L, virtualTokens: s.batch.virtual, labelRows: s.batch.B * s.batch.labels, dtype: 'float32' as const };
  // (No formula for saved products fed through the host: layer-wise-saved off the device.)
  const onDevice = keepsOnDevice(provider);
  const predicted = strategy === 'keep' ? keepStepTraffic(model.spec, { ...w, lossScale: precision === 'fp16' }) : onDevice || strategy === 'layerwise-recompute' ? layerwiseStepTraffic(trafficShapeOf(model), w, onDevice) : null;
  return {
    shape, provider, precision, strategy: runner.strategy, createMs, stepMs: times, medianStepMs: median, firstTraffic, stepTraffic, predictedTraffic: predicted,
    tokensPerSecond: (s.batch.B * (s.batch.virtual + s.batch.L)) / (median / 1000),
    peakDeviceMiB: peakMiB ?? null, peakRssMiB: process.resourceUsage().maxRSS / 1024, loss,
  };
}

async function main() {
  const status = (await probeProviders()).find((p) => p.name === device);
  log(`device ${device}: ${JSON.stringify(status)}`);
  const results: unknown[] = [];
  const save = () => writeFileSync(join(outDir, 'ours.json'), JSON.stringify({ device, adapter: status?.adapter ?? null, steps: STEPS, results }, null, 2));
  for (const shape of shapeList.split(',')) {
    const dir = ensureShapeModel(shape, process.env.BENCH_MODELS ?? '/tmp/sps-bench-models', log);
    for (const strategy of STRATEGIES) {
      for (const precision of ['fp32', 'fp16'] as const) {
        try {
          const res = await runOne(shape, dir, device as ProviderName, precision, strategy);
          const { stepMs: _t, ...brief } = res;
          log(JSON.stringify(brief));
          results.push(res);
        } catch (e) {
          log(`${shape} ${strategy} ${precision} failed: ${(e as Error).message.slice(0, 500)}`);
          results.push({ shape, precision, strategy, error: (e as Error).message.slice(0, 2000) });
        }
        save();
      }
    }
  }
  save();
}

await main();
