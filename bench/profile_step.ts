/**
 * Where a train step's time goes (dev tool, issue 9): runs one strategy on a bench model and
 * reports wall and process CPU time per step, split into the layer sessions' runs, the weight
 * reads (WeightStream), the chunked head and the host-side rest (embedding, batch, gradient
 * sums). Timers wrap the classes' methods from outside, so the engine carries no profiling code.
 * Process CPU time is the useful number on a loaded machine (wall time mostly measures the load).
 * (bench/layerwise_profile.ts times one layer's pieces in isolation, for models too big to step.)
 *
 *   npx tsx bench/profile_step.ts <model dir> <strategy> [batch] [seqLen] [labels|all] [steps]
 *
 * SPS_PROFILE_ORT=<folder> writes onnxruntime's per-node traces there (one per graph).
 * SPS_PROFILE_THREADS=1 runs onnxruntime on one intra-op thread: no spinning worker threads,
 * so the process CPU time is the work itself — comparable between strategies under load.
 * SPS_PROFILE_STREAM=1 streams the weights from the files on every run even where the memory
 * plan would keep them on the host (runtime/weight_feeder.ts hostWeightBudget), to compare.
 */
import { cpuUsage } from 'node:process';
import { HeadChunks } from '../src/engine/layerwise/head_chunks.js';
import { HostEmbedding } from '../src/engine/layerwise/host_embedding.js';
import { loadModel } from '../src/engine/models/load_model.js';
import { GraphSession } from '../src/engine/runtime/session.js';
import { TrainStepRunner } from '../src/engine/tuning/train_step_runner.js';
import { WeightStream } from '../src/engine/weights/weight_stream.js';
import type { TrainStrategy } from '../src/shared/memory_estimate.js';
import { mulberry32 } from '../src/shared/mulberry32.js';

const [dir, strategy, batchArg, seqArg, labelsArg, stepsArg] = process.argv.slice(2);
if (!dir || !strategy) throw new Error('usage: profile_step.ts <model dir> <strategy> [batch] [seqLen] [labels|all] [steps]');
const B = Number(batchArg ?? 8);
const L = Number(seqArg ?? 128);
const labels = labelsArg === 'all' ? 'all' : Number(labelsArg ?? 32);
const steps = Number(stepsArg ?? 2);

const totals = new Map<string, { wall: number; cpu: number; calls: number }>();
/** Wraps an async or sync method; a timed call inside another is counted in both buckets. */
function time(proto: object, method: string, label: string): void {
  const p = proto as Record<string, (...a: unknown[]) => unknown>;
  const orig = p[method]!;
  p[method] = function (this: unknown, ...args: unknown[]) {
    const t = totals.get(label) ?? { wall: 0, cpu: 0, calls: 0 };
    totals.set(label, t);
    const w0 = performance.now();
    const c0 = cpuUsage();
    const done = (): void => {
      const c = cpuUsage(c0);
      t.wall += performance.now() - w0;
      t.cpu += (c.user + c.system) / 1000;
      t.calls++;
    };
    const r = orig.apply(this, args);
    if (r instanceof Promise) return r.finally(done);
    done();
    return r;
  };
}
const threads = Number(process.env.SPS_PROFILE_THREADS ?? 0);
const ortTrace = process.env.SPS_PROFILE_ORT;
const sessions: GraphSession[] = [];
if (threads > 0 || ortTrace) {
  const create = GraphSession.create.bind(GraphSession);
  GraphSession.create = async (graph, opts = {}, ...rest) => {
    const s = await create(graph, { ...opts, ...(threads > 0 ? { intraOpThreads: threads } : {}), ...(ortTrace ? { enableProfiling: true, profileFilePrefix: `${ortTrace}/${graph.name}` } : {}) }, ...rest);
    sessions.push(s);
    return s;
  };
}
time(GraphSession.prototype, 'runDevice', 'session runs (all graphs)');
time(WeightStream.prototype, 'read', 'weight reads');
time(WeightStream.prototype, 'readRows', 'head slice reads');
time(HostEmbedding.prototype, 'embed', 'host embedding');
time(HeadChunks.prototype, 'lossAndGrad', 'head (incl. its session runs)');

const model = loadModel(dir);
const rand = mulberry32(1234);
const V = model.spec.vocabSize;
const examples = Array.from({ length: B }, () => ({ ids: Array.from({ length: L }, () => 3 + Math.floor(rand() * (V - 3))), labelStart: labels === 'all' ? 0 : L - labels }));
const n = 20;
const prompt = { numVirtualTokens: n, dim: model.spec.hiddenSize, data: Float64Array.from({ length: n * model.spec.hiddenSize }, () => rand() - 0.5) };
const stream = process.env.SPS_PROFILE_STREAM === '1';
const runner = await TrainStepRunner.create(model, n, { dtype: 'float32', strategy: strategy as TrainStrategy, workload: { batch: B, seqLen: L, labelRows: labels === 'all' ? B * L : B * labels }, ...(stream ? { hostWeightBudget: 0 } : {}) });
await runner.step(prompt, examples);
totals.clear();
const c0 = cpuUsage();
const f0 = process.resourceUsage().minorPageFault;
const w0 = performance.now();
for (let i = 0; i < steps; i++) await runner.step(prompt, examples);
const c = cpuUsage(c0);
const wall = (performance.now() - w0) / steps;
const cpu = (c.user + c.system) / 1000 / steps;
const faults = (process.resourceUsage().minorPageFault - f0) / steps;
console.log(`${strategy} ${B}×(${n}+${L}) labels ${labels}: per step wall ${wall.toFixed(0)} ms, process CPU ${cpu.toFixed(0)} ms, ${(faults / 1000).toFixed(0)}k minor page faults; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB; load ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`);
for (const [k, t] of totals) console.log(`  ${k.padEnd(32)} wall ${(t.wall / steps).toFixed(0).padStart(6)} ms  cpu ${(t.cpu / steps).toFixed(0).padStart(6)} ms  calls ${t.calls / steps}`);
if (ortTrace) for (const s of sessions) await s.endProfiling();
await runner.release();
