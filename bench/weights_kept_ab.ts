/**
 * Layer-wise train step with the weights streamed from the files on every run against the same
 * step with them kept on the host (runtime/weight_feeder.ts hostWeightBudget), in one process,
 * the two runners alternating step by step, so that the machine's load falls on both alike
 * (dev tool, issue 9; results in bench/README.md, "Weights kept on the host").
 *
 *   npx tsx bench/weights_kept_ab.ts <model dir> <layerwise-saved|layerwise-recompute> [batch] [seqLen] [labels|all] [rounds]
 *
 * SPS_AB_ONE_THREAD=1 runs onnxruntime on one intra-op thread (process CPU time = the work).
 */
import { loadavg } from 'node:os';
import { cpuUsage } from 'node:process';
import { loadModel } from '../src/engine/models/load_model.js';
import { GraphSession } from '../src/engine/runtime/session.js';
import { TrainStepRunner } from '../src/engine/tuning/train_step_runner.js';
import type { TrainStrategy } from '../src/shared/memory_estimate.js';
import { mulberry32 } from '../src/shared/mulberry32.js';

const [dir, strategy, batchArg, seqArg, labelsArg, roundsArg] = process.argv.slice(2);
if (!dir || !strategy) throw new Error('usage: weights_kept_ab.ts <model dir> <strategy> [batch] [seqLen] [labels|all] [rounds]');
const B = Number(batchArg ?? 8);
const L = Number(seqArg ?? 128);
const labels = labelsArg === 'all' ? L : Number(labelsArg ?? 32);
const rounds = Number(roundsArg ?? 5);
if (process.env.SPS_AB_ONE_THREAD === '1') {
  const create = GraphSession.create.bind(GraphSession);
  GraphSession.create = async (graph, opts = {}, ...rest) => create(graph, { ...opts, intraOpThreads: 1 }, ...rest);
}

const model = loadModel(dir);
const rand = mulberry32(1234);
const V = model.spec.vocabSize;
const examples = Array.from({ length: B }, () => ({ ids: Array.from({ length: L }, () => 3 + Math.floor(rand() * (V - 3))), labelStart: L - labels }));
const n = 20;
const prompt = { numVirtualTokens: n, dim: model.spec.hiddenSize, data: Float64Array.from({ length: n * model.spec.hiddenSize }, () => rand() - 0.5) };
const make = (hostWeightBudget: number): Promise<TrainStepRunner> => TrainStepRunner.create(model, n, { dtype: 'float32', strategy: strategy as TrainStrategy, hostWeightBudget });
const runners = { streamed: await make(0), kept: await make(Infinity) };
const times = { streamed: { wall: [] as number[], cpu: [] as number[] }, kept: { wall: [] as number[], cpu: [] as number[] } };
// A first step each (sessions warm, kept weights read).
for (const r of Object.values(runners)) await r.step(prompt, examples);
for (let i = 0; i < rounds; i++) {
  // Alternate which goes first, so neither always follows the other.
  for (const k of i % 2 ? (['kept', 'streamed'] as const) : (['streamed', 'kept'] as const)) {
    const c0 = cpuUsage();
    const w0 = performance.now();
    await runners[k].step(prompt, examples);
    const c = cpuUsage(c0);
    times[k].wall.push(performance.now() - w0);
    times[k].cpu.push((c.user + c.system) / 1000);
  }
}
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
for (const k of ['streamed', 'kept'] as const) {
  console.log(`${k.padEnd(8)} wall per step ${times[k].wall.map((x) => x.toFixed(0)).join(' ')} ms (median ${median(times[k].wall).toFixed(0)}), process CPU median ${median(times[k].cpu).toFixed(0)} ms`);
}
console.log(`load ${loadavg()[0]!.toFixed(1)}`);
for (const r of Object.values(runners)) await r.release();
