/**
 * Our train step on the GPU, fp32 and fp16, per model shape (bench/device/run.sh runs it next
 * to PyTorch + PEFT): median step time, tokens/s and peak device memory, as JSON.
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
import { loadModel } from '../../src/engine/models/load_model.js';
import { probeProviders } from '../../src/engine/runtime/providers.js';
import type { ProviderName } from '../../src/engine/runtime/session.js';
import { softPrompt } from '../../src/engine/tuning/soft_prompt.js';
import { TrainStepRunner } from '../../src/engine/tuning/train_step_runner.js';
import { mulberry32 } from '../../src/shared/mulberry32.js';
import { ensureShapeModel, SHAPES } from './shape_models.js';

const [outDir = '/tmp/out', shapeList = 'smollm2-135m,qwen2.5-0.5b,qwen2.5-1.5b', device = 'webgpu'] = process.argv.slice(2);
const STEPS = Number(process.env.BENCH_STEPS ?? 5);
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

async function runOne(shape: string, dir: string, provider: ProviderName, precision: 'fp32' | 'fp16') {
  const s = SHAPES[shape]!;
  const model = loadModel(dir);
  const mem = new GpuMemorySampler();
  const t0 = performance.now();
  const runner = await TrainStepRunner.create(model, s.batch.virtual, { dtype: 'float32', provider, precision, workload: { batch: s.batch.B, seqLen: s.batch.L, labelRows: s.batch.B * s.batch.labels } });
  const createMs = performance.now() - t0;
  const r = mulberry32(9);
  const prompt = softPrompt(s.batch.virtual, s.hidden, Float64Array.from({ length: s.batch.virtual * s.hidden }, () => (r() - 0.5) * 0.1));
  const examples = batch(s.vocab, s.batch.B, s.batch.L, s.batch.labels);
  const times: number[] = [];
  let loss = NaN;
  try {
    for (let i = 0; i < STEPS + WARMUP; i++) {
      const t = performance.now();
      const out = await runner.step(prompt, examples, precision === 'fp16' ? 1024 : 1);
      if (i >= WARMUP) times.push(performance.now() - t);
      loss = out.loss;
    }
  } finally {
    await runner.release();
  }
  const peakMiB = mem.stop();
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  return {
    shape, provider, precision, strategy: runner.strategy, createMs, stepMs: times, medianStepMs: median,
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
    for (const precision of ['fp32', 'fp16'] as const) {
      try {
        const res = await runOne(shape, dir, device as ProviderName, precision);
        const { stepMs: _t, ...brief } = res;
        log(JSON.stringify(brief));
        results.push(res);
      } catch (e) {
        log(`${shape} ${precision} failed: ${(e as Error).message.slice(0, 500)}`);
        results.push({ shape, precision, error: (e as Error).message.slice(0, 2000) });
      }
      save();
    }
  }
  save();
}

await main();
