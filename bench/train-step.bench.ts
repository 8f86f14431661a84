/**
 * `npm run bench` — train-step benchmark (DESIGN.md §6). See bench/README.md.
 *
 * Each measurement runs in its own child process (this file with `--child <json>`), so
 * peak RSS is per configuration and a crash or OOM in one configuration is reported
 * without stopping the others. The parent prints a table and writes
 * bench/results/train-step.json.
 *
 *   npm run bench              stories260K + random SmolLM2-135M-shaped model
 *   npm run bench -- --quick   stories260K only
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findTraceFiles, summariseTrace, type ProfileSummary } from './ort_profile.js';
import { ensureSmolLMShapedModel } from './synthetic_model.js';
import { builtinModels } from '../src/engine/models/builtin.js';
import { mulberry32 } from '../src/shared/mulberry32.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(benchDir, '..');
const cacheDir = join(benchDir, '.cache');
const resultsDir = join(benchDir, 'results');

// ---------------------------------------------------------------------------------------
// Job specs (parent → child) and results (child → parent)

interface Workload {
  model: string;
  dir: string;
  batch: number;
  /** Real tokens per sequence (all sequences full length). */
  seqLen: number;
  virtualTokens: number;
  /** Label tokens at the end of each sequence. */
  labelTokens: number;
}

interface TrainJob extends Workload {
  kind: 'train';
  disablePrepacking: boolean;
  warmup: number;
  steps: number;
  /** Also time the forward-only graph (ForwardRunner, K = label rows). */
  forward: boolean;
}

interface ProfileJob extends Workload {
  kind: 'profile';
  traceDir: string;
  optimizedModelPath?: string;
}

type Job = TrainJob | ProfileJob;

interface TrainResult {
  loadMs: number;
  graphBuildMs: number;
  sessionCreateMs: number;
  rssAfterCreateMB: number;
  firstStepMs: number;
  stepMs: number[];
  medianStepMs: number;
  tokensPerSecond: number;
  loss: number;
  gradNorm: number;
  peakRssMB: number;
  /** CPU time / wall time over the timed steps: ≈ the core count when nothing competes. */
  coresUsed: number;
  forward?: { sessionCreateMs: number; medianMs: number; runsMs: number[]; labelRows: number };
}

interface ProfileResult {
  profile: ProfileSummary;
  traceFile: string;
}

// ---------------------------------------------------------------------------------------
// Child: one measurement


const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function runChild(job: Job): Promise<TrainResult | ProfileResult> {
  // Imported here so the parent never loads onnxruntime.
  const { loadModel } = await import('../src/engine/models/load_model.js');
  const { buildTrainStepGraph, TRAIN_OUTPUT } = await import('../src/engine/graphs/train_step.js');
  const { labelledBatch } = await import('../src/engine/graphs/feeds.js');
  const { INPUT } = await import('../src/engine/graphs/transformer.js');
  const { GraphSession, tensor } = await import('../src/engine/runtime/session.js');
  const { padIdOf } = await import('../src/engine/tuning/train_step_runner.js');

  const now = (): number => performance.now();
  let t = now();
  const model = loadModel(job.dir);
  const loadMs = now() - t;

  const rand = mulberry32(1234);
  const V = model.spec.vocabSize;
  const examples = Array.from({ length: job.batch }, () => ({
    ids: Array.from({ length: job.seqLen }, () => 3 + Math.floor(rand() * (V - 3))),
    labelStart: job.seqLen - job.labelTokens,
  }));
  const n = job.virtualTokens;
  const d = model.spec.hiddenSize;
  const promptData = Float32Array.from({ length: n * d }, () => rand() - 0.5);
  const batch = labelledBatch(model.spec, n, examples, padIdOf(model));
  const feeds = { ...batch.feeds, [INPUT.prompt]: tensor('float32', [n, d], promptData) };

  // Mirrors TrainStepRunner.create (float32 → optimisation level 'all'), with the bench's
  // session options added.
  t = now();
  const graph = buildTrainStepGraph(model, { numVirtualTokens: n, dtype: 'float32' });
  const graphBuildMs = now() - t;

  if (job.kind === 'profile') {
    const since = Date.now();
    const session = await GraphSession.create(graph, {
      externalDataFolder: model.dir,
      provider: 'cpu',
      optimizationLevel: 'all',
      enableProfiling: true,
      profileFilePrefix: join(job.traceDir, 'onnxruntime_profile'),
      ...(job.optimizedModelPath ? { optimizedModelPath: job.optimizedModelPath } : {}),
    });
    await session.run(feeds); // warm-up (allocations, prepacking) — excluded from the summary
    await session.run(feeds);
    await session.endProfiling();
    let files: string[] = [];
    for (let i = 0; i < 50 && files.length === 0; i++) {
      files = findTraceFiles(job.traceDir, since);
      if (files.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    await session.release();
    const traceFile = files[0];
    if (!traceFile) throw new Error(`no onnxruntime_profile_*.json trace appeared in ${job.traceDir}`);
    const profile = summariseTrace(traceFile);
    for (const f of files) rmSync(f, { force: true });
    return { profile, traceFile };
  }

  t = now();
  const session = await GraphSession.create(graph, {
    externalDataFolder: model.dir,
    provider: 'cpu',
    optimizationLevel: 'all',
    disablePrepacking: job.disablePrepacking,
  });
  const sessionCreateMs = now() - t;
  const rssAfterCreateMB = process.memoryUsage().rss / 2 ** 20;

  const step = async (): Promise<{ ms: number; loss: number; grad: Float32Array }> => {
    const t0 = now();
    const out = await session.run(feeds);
    const ms = now() - t0;
    return { ms, loss: Number(out[TRAIN_OUTPUT.loss]!.data[0]), grad: out[TRAIN_OUTPUT.grad]!.data as Float32Array };
  };
  let first = await step();
  const firstStepMs = first.ms;
  for (let i = 1; i < job.warmup; i++) first = await step();
  const stepMs: number[] = [];
  const cpu0 = process.cpuUsage();
  const wall0 = now();
  for (let i = 0; i < job.steps; i++) stepMs.push((await step()).ms);
  const cpu1 = process.cpuUsage(cpu0);
  const coresUsed = (cpu1.user + cpu1.system) / 1000 / (now() - wall0);
  const peakRssMB = process.resourceUsage().maxRSS / 1024;
  await session.release();

  let gradNorm = 0;
  for (const g of first.grad) gradNorm += g * g;
  gradNorm = Math.sqrt(gradNorm);
  const medianStepMs = median(stepMs);
  const result: TrainResult = {
    loadMs,
    graphBuildMs,
    sessionCreateMs,
    rssAfterCreateMB,
    firstStepMs,
    stepMs,
    medianStepMs,
    tokensPerSecond: (job.batch * (n + job.seqLen)) / (medianStepMs / 1000),
    loss: first.loss,
    gradNorm,
    peakRssMB,
    coresUsed,
  };

  if (job.forward) {
    const { ForwardRunner } = await import('../src/engine/inference/forward_runner.js');
    t = now();
    const fwd = await ForwardRunner.create(model, n, { dtype: 'float32' });
    const fwdCreate = now() - t;
    const prompt = { numVirtualTokens: n, dim: d, data: Float64Array.from(promptData) };
    const seqs = examples.map((e) => e.ids);
    // The rows the train step's loss uses: token j is predicted at token position j - 1.
    const at: [number, number][] = [];
    examples.forEach((e, b) => {
      for (let j = Math.max(1, e.labelStart); j < e.ids.length; j++) at.push([b, j - 1]);
    });
    for (let i = 0; i < Math.max(1, job.warmup); i++) await fwd.logits(prompt, seqs, at);
    const runsMs: number[] = [];
    for (let i = 0; i < job.steps; i++) {
      const t0 = now();
      await fwd.logits(prompt, seqs, at);
      runsMs.push(now() - t0);
    }
    await fwd.release();
    result.forward = { sessionCreateMs: fwdCreate, medianMs: median(runsMs), runsMs, labelRows: at.length };
  }
  return result;
}

// ---------------------------------------------------------------------------------------
// Parent

interface Outcome<R> {
  job: Job;
  ok: boolean;
  wallMs: number;
  /** 1-minute load average before and after: other processes competing for the cores. */
  loadBefore: number;
  loadAfter: number;
  result?: R;
  error?: string;
}

function spawnJob<R>(job: Job, timeoutMs: number): Outcome<R> {
  const out = join(mkdtempSync(join(tmpdir(), 'sps-bench-')), 'result.json');
  const t0 = performance.now();
  const loadBefore = loadavg()[0]!;
  const p = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', JSON.stringify(job), out], {
    cwd: job.kind === 'profile' ? job.traceDir : repoRoot,
    stdio: ['ignore', 'inherit', 'pipe'],
    timeout: timeoutMs,
    encoding: 'utf8',
  });
  const base = { job, wallMs: performance.now() - t0, loadBefore, loadAfter: loadavg()[0]! };
  try {
    if (p.error) return { ...base, ok: false, error: `${p.error.message}` };
    if (p.status !== 0 || !existsSync(out)) {
      const tail = (p.stderr ?? '').trim().split('\n').slice(-8).join('\n');
      return { ...base, ok: false, error: `child exited with ${p.status ?? p.signal}${tail ? `:\n${tail}` : ''}` };
    }
    const parsed = JSON.parse(readFileSync(out, 'utf8')) as { ok: boolean; result?: R; error?: string };
    return parsed.ok ? { ...base, ok: true, result: parsed.result! } : { ...base, ok: false, error: parsed.error ?? 'unknown error' };
  } finally {
    rmSync(dirname(out), { recursive: true, force: true });
  }
}

function storiesDir(): string | undefined {
  return builtinModels().find((m) => m.id === 'stories260K')?.path;
}

const f1 = (x: number | undefined): string => (x === undefined ? '—' : x.toFixed(1));
const f0 = (x: number | undefined): string => (x === undefined ? '—' : x.toFixed(0));
const pad = (s: string, w: number, right = false): string => (right ? s.padEnd(w) : s.padStart(w));

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => pad(c, w[i]!, i === 0)).join('  ');
  return [line(head), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const log = (s: string): void => console.log(s);
  mkdirSync(resultsDir, { recursive: true });
  const t0 = performance.now();

  const workloads: { w: Workload; warmup: number; steps: number; timeoutMs: number; prepackBoth: boolean; saveOptimized: boolean }[] = [];
  const errors: string[] = [];
  const sDir = storiesDir();
  if (sDir) {
    workloads.push({ w: { model: 'stories260K', dir: sDir, batch: 8, seqLen: 64, virtualTokens: 20, labelTokens: 32 }, warmup: 2, steps: 10, timeoutMs: 120_000, prepackBoth: true, saveOptimized: true });
  } else errors.push('stories260K not found in resources/models (restore it with git)');
  if (!quick) {
    try {
      const { dir } = ensureSmolLMShapedModel(join(cacheDir, 'smollm2-135m-shape'), log);
      workloads.push({ w: { model: 'SmolLM2-135M-shape (random)', dir, batch: 8, seqLen: 128, virtualTokens: 20, labelTokens: 32 }, warmup: 2, steps: 3, timeoutMs: 300_000, prepackBoth: true, saveOptimized: false });
    } catch (e) {
      errors.push(`SmolLM2-shaped model could not be written: ${(e as Error).message}`);
    }
  }

  const runs: { workload: Workload; train: Outcome<TrainResult>[]; profile?: Outcome<ProfileResult> }[] = [];
  for (const { w, warmup, steps, timeoutMs, prepackBoth, saveOptimized } of workloads) {
    const entry: (typeof runs)[number] = { workload: w, train: [] };
    runs.push(entry);
    for (const disablePrepacking of prepackBoth ? [false, true] : [false]) {
      log(`▸ ${w.model}: train step B=${w.batch} L=${w.seqLen} n=${w.virtualTokens}, prepacking ${disablePrepacking ? 'off' : 'on'} …`);
      const o = spawnJob<TrainResult>({ kind: 'train', ...w, disablePrepacking, warmup, steps, forward: !disablePrepacking }, timeoutMs);
      if (!o.ok) log(`  FAILED: ${o.error}`);
      entry.train.push(o);
    }
    log(`▸ ${w.model}: profiled run …`);
    const traceDir = mkdtempSync(join(tmpdir(), 'sps-bench-trace-'));
    try {
      const optimizedModelPath = saveOptimized ? join(cacheDir, `${w.model}.train_step.optimized.onnx`) : undefined;
      if (optimizedModelPath) mkdirSync(cacheDir, { recursive: true });
      entry.profile = spawnJob<ProfileResult>({ kind: 'profile', ...w, traceDir, ...(optimizedModelPath ? { optimizedModelPath } : {}) }, timeoutMs);
      if (!entry.profile.ok) log(`  FAILED: ${entry.profile.error}`);
    } finally {
      rmSync(traceDir, { recursive: true, force: true });
    }
  }

  // ---- report
  console.log('\n== Train step (float32, CPU EP, median of timed steps) ==');
  const rows: string[][] = [];
  for (const r of runs) {
    for (const o of r.train) {
      const j = o.job as TrainJob;
      const w = r.workload;
      const res = o.result;
      rows.push([
        w.model,
        `${w.batch}×(${w.virtualTokens}+${w.seqLen})`,
        j.disablePrepacking ? 'off' : 'on',
        o.ok ? f0(res!.loadMs) : 'FAILED',
        f0(res?.graphBuildMs),
        f0(res?.sessionCreateMs),
        f0(res?.firstStepMs),
        f0(res?.medianStepMs),
        res ? `${f0(Math.min(...res.stepMs))}–${f0(Math.max(...res.stepMs))}` : '—',
        f0(res?.tokensPerSecond),
        f0(res?.forward?.medianMs),
        res?.forward ? (res.medianStepMs / res.forward.medianMs).toFixed(2) : '—',
        f0(res?.rssAfterCreateMB),
        f0(res?.peakRssMB),
        res ? res.coresUsed.toFixed(2) : '—',
      ]);
    }
  }
  console.log(table(['model', 'B×(n+L)', 'prepack', 'load ms', 'build ms', 'session ms', '1st step ms', 'step ms', 'range', 'tok/s', 'fwd ms', 'step/fwd', 'RSS@create MB', 'peak RSS MB', 'cores used'], rows));
  const cores = cpus().length;
  const busy = runs.flatMap((r) => r.train).filter((o) => o.result && o.result.coresUsed < 0.85 * cores);
  if (busy.length > 0) console.log(`! ${busy.length} run(s) got less than 85% of the ${cores} cores (other processes competing?): those timings are pessimistic and noisy`);

  for (const r of runs) {
    const [on, off] = r.train;
    if (on?.ok && off?.ok) {
      const a = on.result!;
      const b = off.result!;
      console.log(
        `\nprepacking, ${r.workload.model}: off vs on — step ${f0(b.medianStepMs)} vs ${f0(a.medianStepMs)} ms (${(((b.medianStepMs - a.medianStepMs) / a.medianStepMs) * 100).toFixed(1)}%), ` +
          `peak RSS ${f0(b.peakRssMB)} vs ${f0(a.peakRssMB)} MB (${f0(b.peakRssMB - a.peakRssMB)} MB), session create ${f0(b.sessionCreateMs)} vs ${f0(a.sessionCreateMs)} ms`,
      );
    }
  }

  for (const r of runs) {
    const p = r.profile;
    if (!p?.ok) continue;
    const s = p.result!.profile;
    console.log(`\n== Where the time goes: ${r.workload.model} (one profiled run: ${f0(s.runMs)} ms wall, ${f0(s.kernelMs)} ms in ${s.nodes} kernels, ${s.opTypes} op types) ==`);
    console.log(table(['op type', 'ms', '%', 'calls'], s.byOpType.slice(0, 12).map((o) => [o.opType, f1(o.ms), f1(o.percent), String(o.calls)])));
  }

  const refPath = join(resultsDir, 'peft-reference.json');
  let reference: unknown;
  if (existsSync(refPath)) {
    try {
      reference = JSON.parse(readFileSync(refPath, 'utf8'));
      const ref = reference as { median_step_ms?: number; tokens_per_second?: number; peak_rss_mb?: number; cores_used?: number; batch?: number; seq_len?: number; num_virtual_tokens?: number; torch?: string; threads?: number };
      const smol = runs.find((r) => r.workload.model.startsWith('SmolLM2'))?.train ?? [];
      console.log(`\n== PyTorch reference (bench/reference/peft_train_step.py, torch ${ref.torch}, ${ref.threads} threads) ==`);
      console.log(
        table(
          ['SmolLM2-135M shape', 'step ms', 'tok/s', 'peak RSS MB', 'cores used'],
          [
            ['PEFT prompt tuning (torch)', f0(ref.median_step_ms), f0(ref.tokens_per_second), f0(ref.peak_rss_mb), ref.cores_used?.toFixed(2) ?? '—'],
            ...smol.map((o) => [`ours (ORT, prepacking ${(o.job as TrainJob).disablePrepacking ? 'off' : 'on'})`, f0(o.result?.medianStepMs), f0(o.result?.tokensPerSecond), f0(o.result?.peakRssMB), o.result?.coresUsed.toFixed(2) ?? '—']),
          ],
        ),
      );
      for (const o of smol) {
        if (o.result && ref.median_step_ms) console.log(`ours (prepacking ${(o.job as TrainJob).disablePrepacking ? 'off' : 'on'}) / torch step time: ${(o.result.medianStepMs / ref.median_step_ms).toFixed(2)}×`);
      }
    } catch (e) {
      console.log(`(could not read ${refPath}: ${(e as Error).message})`);
    }
  }

  for (const e of errors) console.log(`\n! ${e}`);
  const failures = runs.flatMap((r) => [...r.train, ...(r.profile ? [r.profile] : [])]).filter((o) => !o.ok);
  for (const f of failures) console.log(`\n! ${f.job.model} ${f.job.kind}${f.job.kind === 'train' ? ` (prepacking ${f.job.disablePrepacking ? 'off' : 'on'})` : ''} failed: ${f.error}`);

  const ortVersion = (JSON.parse(readFileSync(join(repoRoot, 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')) as { version: string }).version;
  const json = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, totalMemGB: totalmem() / 2 ** 30, node: process.version, onnxruntimeNode: ortVersion },
    quick,
    runs: runs.map((r) => ({
      workload: { ...r.workload, dir: undefined },
      train: r.train.map((o) => ({ disablePrepacking: (o.job as TrainJob).disablePrepacking, warmup: (o.job as TrainJob).warmup, steps: (o.job as TrainJob).steps, ok: o.ok, wallMs: o.wallMs, loadBefore: o.loadBefore, loadAfter: o.loadAfter, ...(o.ok ? o.result : { error: o.error }) })),
      profile: r.profile ? (r.profile.ok ? r.profile.result!.profile : { error: r.profile.error }) : undefined,
    })),
    errors,
    peftReference: reference,
    totalSeconds: (performance.now() - t0) / 1000,
  };
  writeFileSync(join(resultsDir, 'train-step.json'), `${JSON.stringify(json, null, 2)}\n`);
  console.log(`\nwrote ${join(resultsDir, 'train-step.json')} (${json.totalSeconds.toFixed(0)} s)`);
  if (failures.length > 0 || errors.length > 0) process.exitCode = 1;
}

// ---------------------------------------------------------------------------------------

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) {
  const job = JSON.parse(process.argv[childAt + 1] ?? '{}') as Job;
  const out = process.argv[childAt + 2]!;
  runChild(job).then(
    (result) => writeFileSync(out, JSON.stringify({ ok: true, result })),
    (e: unknown) => {
      const err = e as Error;
      writeFileSync(out, JSON.stringify({ ok: false, error: `${err.message ?? String(e)}${err.stack ? `\n${err.stack.split('\n').slice(1, 4).join('\n')}` : ''}` }));
    },
  );
} else {
  await main();
}
