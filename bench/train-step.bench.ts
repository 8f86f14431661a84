/**
 * `npm run bench` — the side-by-side train-step benchmark (issue 9; DESIGN.md §6). See
 * bench/README.md.
 *
 * Each measurement runs in its own child process (this file with `--child <json> <out>`, or
 * the PEFT reference script), so peak RSS is per configuration and a crash or OOM in one is
 * reported without stopping the others. Ours and PEFT run back to back for each workload, so
 * they see the same machine load; the table prints ours / PEFT ratios.
 *
 *   npm run bench                 SmolLM2-135M, Qwen2.5-0.5B (f32, bf16), Qwen2.5-1.5B (bf16)
 *   npm run bench -- --quick      stories260K only (seconds)
 *   npm run bench -- --scale      adds a Qwen2.5-7B shape (bf16, 14 GB written once to bench/.cache)
 *   npm run bench -- --levers     adds the memory-lever runs (arena, memory patterns, prepacking)
 *   npm run bench -- --only smol  one group (smol, q05, q15, q7, stories; smol-sparse: the SmolLM2
 *                                 sparse-label case with the chosen strategy only, for many repeats)
 *   npm run bench -- --no-peft    without the PEFT reference runs
 *   npm run bench -- --repeat 3   every case 3 times over (ours, then PEFT, each time); the table
 *                                 prints medians and the median of the paired ratios
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, homedir, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withWorkerMallocTunables } from '../src/worker/malloc_tunables.js';
import { median, runOurs, type OursJob, type OursResult, type Workload } from './bench_child.js';
import { ensureShapedModel, QWEN05_SHAPE, QWEN15_SHAPE, QWEN7_SHAPE, SMOLLM_SHAPE, type BenchShape } from './synthetic_model.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(benchDir, '..');
const cacheDir = join(benchDir, '.cache');
const resultsDir = join(benchDir, 'results');

interface PeftResult {
  median_step_ms: number;
  tokens_per_second: number;
  peak_rss_mb: number;
  first_step_ms: number;
  time_to_first_step_s: number;
  cores_used: number;
  loss: number;
  grad_norm: number | null;
  torch: string;
  peft: string;
  transformers: string;
}

interface Outcome<R> {
  label: string;
  ok: boolean;
  wallMs: number;
  /** 1-minute load average before and after: other processes competing for the cores. */
  load: [number, number];
  freeGBBefore: number;
  result?: R;
  error?: string;
}

function spawnOurs(label: string, job: OursJob, timeoutMs: number): Outcome<OursResult> {
  const out = join(mkdtempSync(join(tmpdir(), 'sps-bench-')), 'result.json');
  const t0 = performance.now();
  const load0 = loadavg()[0]!;
  const free0 = freemem() / 2 ** 30;
  const p = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', JSON.stringify(job), out], {
    cwd: repoRoot,
    // As the app starts its workers: glibc's malloc keeps freed blocks (src/worker/malloc_tunables.ts).
    env: withWorkerMallocTunables(process.env),
    stdio: ['ignore', 'inherit', 'pipe'],
    timeout: timeoutMs,
    encoding: 'utf8',
  });
  const base = { label, wallMs: performance.now() - t0, load: [load0, loadavg()[0]!] as [number, number], freeGBBefore: free0 };
  try {
    if (p.error) return { ...base, ok: false, error: p.error.message };
    if (p.status !== 0 || !existsSync(out)) {
      const tail = (p.stderr ?? '').trim().split('\n').slice(-8).join('\n');
      return { ...base, ok: false, error: `child exited with ${p.status ?? p.signal}${tail ? `:\n${tail}` : ''}` };
    }
    const parsed = JSON.parse(readFileSync(out, 'utf8')) as { ok: boolean; result?: OursResult; error?: string };
    return parsed.ok ? { ...base, ok: true, result: parsed.result! } : { ...base, ok: false, error: parsed.error ?? 'unknown error' };
  } finally {
    rmSync(dirname(out), { recursive: true, force: true });
  }
}

function spawnPeft(label: string, w: Workload, steps: number, timeoutMs: number): Outcome<PeftResult> {
  const out = join(mkdtempSync(join(tmpdir(), 'sps-peft-')), 'peft.json');
  const t0 = performance.now();
  const load0 = loadavg()[0]!;
  const free0 = freemem() / 2 ** 30;
  const args = [join(benchDir, 'reference', 'peft_train_step.py'), w.dir, '--batch', String(w.batch), '--seq-len', String(w.seqLen), '--virtual-tokens', String(w.virtualTokens), '--label-tokens', String(w.labels === 'all' ? -1 : w.labels), '--warmup', '1', '--steps', String(steps), '--no-forward', '--out', out];
  const p = spawnSync('python3', args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'], timeout: timeoutMs, encoding: 'utf8' });
  const base = { label, wallMs: performance.now() - t0, load: [load0, loadavg()[0]!] as [number, number], freeGBBefore: free0 };
  try {
    if (p.error) return { ...base, ok: false, error: p.error.message };
    if (p.status !== 0 || !existsSync(out)) return { ...base, ok: false, error: `python exited with ${p.status ?? p.signal}: ${(p.stderr ?? '').trim().split('\n').slice(-4).join('\n')}` };
    return { ...base, ok: true, result: JSON.parse(readFileSync(out, 'utf8')) as PeftResult };
  } finally {
    rmSync(dirname(out), { recursive: true, force: true });
  }
}

function peftAvailable(): boolean {
  // Importing torch takes minutes on a loaded machine: a short timeout would drop PEFT silently.
  const p = spawnSync('python3', ['-c', 'import torch, transformers, peft'], { stdio: 'ignore', timeout: 900_000 });
  return p.status === 0;
}

function storiesDir(): string | undefined {
  const c: string[] = [];
  if (process.env.SPS_TEST_MODELS_DIR) c.push(join(process.env.SPS_TEST_MODELS_DIR, 'stories260K'));
  c.push(join(repoRoot, '..', 'shared', 'models', 'stories260K'));
  c.push(join(homedir(), '.cache', 'soft-prompt-studio', 'models', 'stories260K'));
  return c.find((d) => existsSync(join(d, 'config.json')));
}

// ---------------------------------------------------------------------------------------
// The matrix

interface Case {
  group: string;
  w: Workload;
  /** Our configurations, each a row. */
  ours: { name: string; job: Omit<OursJob, 'kind' | 'w'> }[];
  /** Run PEFT on this workload (float32 weights in torch). */
  peft: boolean;
  /** Ratios for these rows are taken against this case's PEFT run (the fp32 one for bf16 rows). */
  peftFrom?: string;
  steps: number;
  timeoutMs: number;
}

function folder(shape: BenchShape, dtype: 'F32' | 'BF16', log: (s: string) => void): string {
  const s = { ...shape, dtype };
  const name = `${shape.name.toLowerCase()}-shape-${dtype.toLowerCase()}`;
  return ensureShapedModel(join(cacheDir, name), s, log).dir;
}

function cases(flags: Set<string>, only: string | undefined, log: (s: string) => void): Case[] {
  const want = (g: string) => (only ? only.split(',').includes(g) : g !== 'smol-sparse' && (g !== 'q7' || flags.has('--scale')));
  const out: Case[] = [];
  // Row names say which of the three train-step strategies ran (layerwise/strategy.ts).
  const saved = (warmup: number, steps: number): Case['ours'][number] => ({ name: 'layer-wise, saved products', job: { strategy: 'layerwise-saved', warmup, steps } });
  const recompute = (warmup: number, steps: number): Case['ours'][number] => ({ name: 'layer-wise, recompute', job: { strategy: 'layerwise-recompute', warmup, steps } });
  const all3 = (warmup: number, steps: number): Case['ours'] => [{ name: 'keep-everything', job: { strategy: 'keep', warmup, steps } }, saved(warmup, steps), recompute(warmup, steps)];
  const sDir = storiesDir();
  if (sDir && (flags.has('--quick') || want('stories'))) {
    out.push({ group: 'stories', w: { model: 'stories260K', dir: sDir, batch: 8, seqLen: 64, virtualTokens: 20, labels: 32 }, ours: all3(2, 10), peft: false, steps: 10, timeoutMs: 120_000 });
  }
  if (flags.has('--quick')) return out;
  if (want('smol')) {
    const dir = folder(SMOLLM_SHAPE, 'F32', log);
    const levers = flags.has('--levers')
      ? [
          { name: 'keep, prepack off', job: { strategy: 'keep' as const, prepack: false, warmup: 1, steps: 2 } },
          { name: 'keep, arena off', job: { strategy: 'keep' as const, cpuMemArena: false, warmup: 1, steps: 2 } },
          { name: 'keep, mem pattern off', job: { strategy: 'keep' as const, memPattern: false, warmup: 1, steps: 2 } },
          { name: 'layer-wise saved, arena off', job: { strategy: 'layerwise-saved' as const, cpuMemArena: false, warmup: 1, steps: 2 } },
        ]
      : [];
    out.push({ group: 'smol', w: { model: 'SmolLM2-135M f32', dir, batch: 8, seqLen: 128, virtualTokens: 20, labels: 32 }, ours: [...all3(0, 2), ...levers], peft: true, steps: 2, timeoutMs: 900_000 });
    out.push({ group: 'smol', w: { model: 'SmolLM2-135M f32', dir, batch: 8, seqLen: 128, virtualTokens: 20, labels: 'all' }, ours: [saved(0, 1), recompute(0, 1)], peft: true, steps: 1, timeoutMs: 900_000 });
  }
  if (want('smol-sparse')) {
    // The one configuration issue 9's step target is judged on, alone: repeat it many times cheaply.
    const dir = folder(SMOLLM_SHAPE, 'F32', log);
    out.push({ group: 'smol-sparse', w: { model: 'SmolLM2-135M f32', dir, batch: 8, seqLen: 128, virtualTokens: 20, labels: 32 }, ours: [saved(0, 2)], peft: true, steps: 2, timeoutMs: 900_000 });
  }
  if (want('q05')) {
    const f32 = folder(QWEN05_SHAPE, 'F32', log);
    const bf16 = folder(QWEN05_SHAPE, 'BF16', log);
    out.push({ group: 'q05', w: { model: 'Qwen2.5-0.5B f32', dir: f32, batch: 4, seqLen: 90, virtualTokens: 20, labels: 'all' }, ours: all3(0, 1), peft: true, steps: 1, timeoutMs: 1_200_000 });
    out.push({ group: 'q05', w: { model: 'Qwen2.5-0.5B bf16', dir: bf16, batch: 4, seqLen: 90, virtualTokens: 20, labels: 'all' }, ours: [saved(0, 1), recompute(0, 1)], peft: false, peftFrom: 'Qwen2.5-0.5B f32', steps: 1, timeoutMs: 1_200_000 });
  }
  if (want('q15')) {
    const bf16 = folder(QWEN15_SHAPE, 'BF16', log);
    out.push({ group: 'q15', w: { model: 'Qwen2.5-1.5B bf16', dir: bf16, batch: 4, seqLen: 128, virtualTokens: 20, labels: 'all' }, ours: [saved(0, 2)], peft: true, steps: 1, timeoutMs: 2_400_000 });
  }
  if (want('q7')) {
    const bf16 = folder(QWEN7_SHAPE, 'BF16', log);
    out.push({
      group: 'q7',
      w: { model: 'Qwen2.5-7B bf16', dir: bf16, batch: 1, seqLen: 64, virtualTokens: 20, labels: 'all' },
      ours: [{ name: 'layer-wise, saved products', job: { strategy: 'layerwise-saved', warmup: 0, steps: 0, inference: { newTokens: 20 } } }],
      // torch would need the float32 weights (30 GB): more than this machine has.
      peft: false,
      steps: 1,
      timeoutMs: 3_600_000,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Report

const f0 = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(0));
const f2 = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(2));

function table(head: string[], rows: string[][]): string {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => (i < 3 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  return [line(head), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map(line)].join('\n');
}

const shapeOf = (w: Workload): string => `${w.batch}×(${w.virtualTokens}+${w.seqLen}) ${w.labels === 'all' ? 'LM' : `${w.labels} labels`}`;

async function main(): Promise<void> {
  const flags = new Set(process.argv.slice(2).filter((a) => a.startsWith('--')));
  const onlyAt = process.argv.indexOf('--only');
  const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
  const log = (s: string): void => console.log(s);
  mkdirSync(resultsDir, { recursive: true });
  const t0 = performance.now();
  const withPeft = !flags.has('--no-peft') && !flags.has('--quick') && peftAvailable();
  if (!flags.has('--no-peft') && !flags.has('--quick') && !withPeft) log('(python3 with torch + transformers + peft not found: PEFT columns are empty)');

  const all = cases(flags, only, log);
  const repeatAt = process.argv.indexOf('--repeat');
  const repeat = repeatAt >= 0 ? Math.max(1, Math.floor(Number(process.argv[repeatAt + 1]) || 1)) : 1;
  const done: Done = [];
  // Repeats go round the whole list, so each repetition of a case meets the machine at another
  // moment; ours and PEFT stay back to back within one (their ratio is the paired one).
  for (let rep = 0; rep < repeat; rep++) {
    for (const c of all) {
      const entry: (typeof done)[number] = { c, rep, ours: [] };
      done.push(entry);
      for (const r of c.ours) {
        log(`▸ ${c.w.model} ${shapeOf(c.w)}: ours, ${r.name}${repeat > 1 ? ` (run ${rep + 1}/${repeat})` : ''} (free ${(freemem() / 2 ** 30).toFixed(1)} GB, load ${loadavg()[0]!.toFixed(1)}) …`);
        const o = spawnOurs(r.name, { kind: 'ours', w: c.w, ...r.job }, c.timeoutMs);
        if (!o.ok) log(`  FAILED: ${o.error}`);
        entry.ours.push({ name: r.name, o });
      }
      if (c.peft && withPeft) {
        log(`▸ ${c.w.model} ${shapeOf(c.w)}: PEFT (torch, float32 weights) …`);
        entry.peft = spawnPeft('PEFT', c.w, c.steps, c.timeoutMs);
        if (!entry.peft.ok) log(`  FAILED: ${entry.peft.error}`);
      }
      // Written after every case, so a long run that is stopped keeps what it measured.
      writeResults(done, flags, t0, only);
    }
  }

  const peftFor = (c: Case, rep: number): PeftResult | undefined => {
    const from = c.peft ? done.find((d) => d.c === c && d.rep === rep) : c.peftFrom ? done.find((d) => d.rep === rep && d.c.w.model === c.peftFrom && d.c.w.labels === c.w.labels && d.c.w.batch === c.w.batch && d.c.w.seqLen === c.w.seqLen) : undefined;
    return from?.peft?.result;
  };
  const med = (xs: (number | undefined)[]): number | undefined => {
    const ok = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
    return ok.length ? median(ok) : undefined;
  };
  /** Median over the repetitions of ours / PEFT, each pair from one repetition. */
  const pairedRatio = (pairs: [number | undefined, number | undefined][]): string => {
    const r = med(pairs.map(([a, b]) => (a !== undefined && b ? a / b : undefined)));
    return r === undefined ? '—' : `${r.toFixed(2)}×`;
  };

  console.log('\n== Train step, ours vs PEFT (float32 compute, CPU; ratios = ours / PEFT, the same step in the same run) ==');
  const rows: string[][] = [];
  for (const c of all) {
    const reps = done.filter((d) => d.c === c);
    for (const { name } of c.ours) {
      const runs = reps.map((d) => ({ r: d.ours.find((x) => x.name === name)?.o, peft: peftFor(c, d.rep) }));
      const ours = runs.map((x) => x.r?.result);
      const peft = runs.map((x) => x.peft);
      const first = runs[0]?.r;
      rows.push([
        c.w.model,
        shapeOf(c.w),
        name,
        ours.some(Boolean) ? f0(med(ours.map((r) => r?.medianStepMs))) : 'FAILED',
        f0(med(ours.map((r) => r?.tokensPerSecond))),
        f0(med(ours.map((r) => r?.peakRssMB))),
        f2(med(ours.map((r) => (r ? r.timeToFirstStepMs / 1000 : undefined)))),
        f0(med(peft.map((p) => p?.median_step_ms))),
        f0(med(peft.map((p) => p?.tokens_per_second))),
        f0(med(peft.map((p) => p?.peak_rss_mb))),
        f2(med(peft.map((p) => p?.time_to_first_step_s))),
        pairedRatio(runs.map((x) => [x.r?.result?.medianStepMs, x.peft?.median_step_ms])),
        pairedRatio(runs.map((x) => [x.r?.result?.tokensPerSecond, x.peft?.tokens_per_second])),
        pairedRatio(runs.map((x) => [x.r?.result?.peakRssMB, x.peft?.peak_rss_mb])),
        first?.result ? `${first.load[0].toFixed(1)}/${first.result.coresUsed.toFixed(2)}` : '—',
        ...(repeat > 1 ? [runs.map((x) => (x.r?.result && x.peft ? (x.r.result.medianStepMs / x.peft.median_step_ms).toFixed(2) : '—')).join(' ')] : []),
      ]);
    }
  }
  if (repeat > 1) console.log(`(${repeat} runs of each: medians, and the median of the ${repeat} paired ratios; the last column lists the step ratio of each run)`);
  console.log(table(['model', 'workload', 'ours', 'step ms', 'tok/s', 'peak RSS MB', '1st step s', 'PEFT step ms', 'PEFT tok/s', 'PEFT RSS MB', 'PEFT 1st s', 'step ×', 'tok/s ×', 'RSS ×', 'load/cores', ...(repeat > 1 ? ['step × per run'] : [])], rows));
  for (const { c, ours } of done) {
    for (const { name, o } of ours) {
      const inf = o.result?.inference;
      if (inf) console.log(`\n${c.w.model} (${name}): evaluation of the batch ${f0(inf.scoreMs)} ms; KV-cache generation of ${inf.tokens.length} tokens ${f0(inf.generateMs)} ms (${f0(inf.generateMs / inf.tokens.length)} ms/token), KV cache ${f2(inf.kvCacheMB)} MB; peak RSS over train + eval + generation ${f0(inf.peakRssMB)} MB`);
    }
  }
  const failures = done.flatMap((d) => [...d.ours.map((x) => x.o), ...(d.peft ? [d.peft] : [])]).filter((o) => !o.ok);
  for (const f of failures) console.log(`\n! ${f.label} failed: ${f.error}`);
  console.log(`\nmachine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(1)} GB; 1-minute load average is printed per row (load/cores = load before the run / cores our process used while timed).`);

  const file = writeResults(done, flags, t0, only);
  console.log(`wrote ${file} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  if (failures.length > 0) process.exitCode = 1;
}

type Done = { c: Case; rep: number; ours: { name: string; o: Outcome<OursResult> }[]; peft?: Outcome<PeftResult> }[];

function writeResults(done: Done, flags: Set<string>, t0: number, only?: string): string {
  const ortVersion = (JSON.parse(readFileSync(join(repoRoot, 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')) as { version: string }).version;
  const json = {
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, totalMemGB: totalmem() / 2 ** 30, node: process.version, onnxruntimeNode: ortVersion },
    flags: [...flags],
    cases: done.map(({ c, rep, ours, peft }) => ({ workload: { ...c.w, dir: undefined }, run: rep + 1, ours: ours.map(({ name, o }) => ({ name, ...o })), peft: peft ?? null, peftFrom: c.peftFrom ?? null })),
    totalSeconds: (performance.now() - t0) / 1000,
  };
  const name = flags.has('--quick') ? 'train-step.quick.json' : only ? `train-step.${only.replace(/,/g, '-')}.json` : 'train-step.json';
  writeFileSync(join(resultsDir, name), `${JSON.stringify(json, null, 2)}\n`);
  return join(resultsDir, name);
}

// ---------------------------------------------------------------------------------------

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) {
  const job = JSON.parse(process.argv[childAt + 1] ?? '{}') as OursJob;
  const out = process.argv[childAt + 2]!;
  runOurs(job).then(
    (result) => writeFileSync(out, JSON.stringify({ ok: true, result })),
    (e: unknown) => {
      const err = e as Error;
      writeFileSync(out, JSON.stringify({ ok: false, error: `${err.message ?? String(e)}${err.stack ? `\n${err.stack.split('\n').slice(1, 4).join('\n')}` : ''}` }));
    },
  );
} else {
  await main();
}
