/**
 * `npm run bench:data [-- --big | --only-big | --only-validate] [--skip-validate] [--val-fraction=0.01] [--validate-mb=20]`:
 * datasets at scale (issue 13).
 *
 * Writes JSONL corpora of short stories into bench/.cache (make_corpus.ts): 1 MB and 200 MB
 * (and 2 GB with --big), then runs `sps tune --task lm --steps 3` on each as a user would
 * (the CLI, which starts the training worker) and measures:
 *   - time from launching `sps tune` to the first training step (its first progress event);
 *   - peak RSS of the whole process tree (CLI + worker + tokenizer threads), sampled from
 *     /proc every 100 ms;
 *   - a second run on the same data and template (the token cache warm);
 *   - `sps validate` (which fills the token cache) then `sps tune`: tokenized once.
 * Every run uses a token cache folder of its own under bench/.cache (cleared first).
 * Results go to bench/results/data-<date>.json and a table on stdout.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCorpus } from './make_corpus.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cacheDir = join(repo, 'bench', '.cache');
const model = join(repo, 'resources', 'models', 'stories260K');
const args = new Set(process.argv.slice(2));
for (const a of args) if (!/^--(big|only-big|only-validate|skip-validate|val-fraction=.*|validate-mb=.*)$/.test(a)) throw new Error(`unknown option ${a}`);

interface Measured {
  label: string;
  firstStepSeconds: number | null;
  totalSeconds: number;
  peakRssMB: number;
  tokenizingEvents: number;
  exitCode: number | null;
  /** 1-minute load average when the run started and ended (other work on the machine slows every timing). */
  load: [number, number];
}

function corpus(mb: number): string {
  const file = join(cacheDir, `corpus-${mb}mb.jsonl`);
  if (!existsSync(file) || statSync(file).size < mb * 1e6) {
    mkdirSync(cacheDir, { recursive: true });
    const t0 = performance.now();
    const r = writeCorpus(file, mb);
    console.error(`wrote ${file}: ${r.lines} lines, ${(r.bytes / 1e6).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return file;
}

/** RSS (bytes) of a process and all its descendants, from /proc. */
function treeRss(root: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ppid = Number(fields[1]);
      const pid = Number(name);
      (children.get(ppid) ?? children.set(ppid, []).get(ppid)!).push(pid);
      rss.set(pid, Number(fields[21]) * 4096);
    } catch {
      // The process ended while we looked.
    }
  }
  let total = 0;
  const stack = [root];
  while (stack.length) {
    const p = stack.pop()!;
    total += rss.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

/**
 * Runs `sps <argv>` and measures it; events are read from --json output when present.
 * `stopAfterSteps`: kill the run (its whole process group) once that many steps are done: the
 * 2 GB run's final evaluation over 1% of 8.5M examples takes half an hour on 2 busy cores (and
 * a cancel waits for an evaluation in progress), and is not what is measured.
 */
function runSps(label: string, argv: string[], env: NodeJS.ProcessEnv, stopAfterSteps?: number): Promise<Measured> {
  return new Promise((done) => {
    const t0 = performance.now();
    const load0 = loadavg()[0]!;
    const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'src', 'cli', 'sps.ts'), ...argv], { cwd: repo, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: stopAfterSteps !== undefined });
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, treeRss(child.pid!))), 100);
    let firstStep: number | null = null;
    let tokenizing = 0;
    let steps = 0;
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.includes('"type":"progress"')) {
          if (firstStep === null) firstStep = (performance.now() - t0) / 1000;
          if (stopAfterSteps !== undefined && ++steps === stopAfterSteps) process.kill(-child.pid!, 'SIGKILL');
        }
        if (line.includes('"type":"tokenizing"')) tokenizing++;
      }
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString('utf8')).slice(-4000)));
    child.on('exit', (code) => {
      clearInterval(sampler);
      if (code !== 0 && !(stopAfterSteps !== undefined && steps >= stopAfterSteps)) console.error(`${label}: exit ${code}\n${err}`);
      done({ label, firstStepSeconds: firstStep, totalSeconds: (performance.now() - t0) / 1000, peakRssMB: peak / 1e6, tokenizingEvents: tokenizing, exitCode: code, load: [load0, loadavg()[0]!] });
    });
  });
}

/** Validation share of the corpus: 1% by default, so the final evaluation of a 3-step run stays short. */
const valFraction = process.argv.find((a) => a.startsWith('--val-fraction='))?.split('=')[1] ?? '0.01';
/** `sps validate` then `sps tune` run on a corpus of this many MB (tokenizing all of 200 MB takes long on 2 shared cores). */
const validateMb = Number(process.argv.find((a) => a.startsWith('--validate-mb='))?.split('=')[1] ?? '20');

function tuneArgs(data: string, out: string): string[] {
  rmSync(out, { recursive: true, force: true });
  return ['tune', '--model', model, '--data', data, '--task', 'lm', '--steps', '3', '--batch', '8', '--val-fraction', valFraction, '--out', out, '--json'];
}

async function main(): Promise<void> {
  const results: Measured[] = [];
  const runs = join(cacheDir, 'data-bench-runs');
  mkdirSync(runs, { recursive: true });
  const freshCache = (name: string): NodeJS.ProcessEnv => {
    const dir = join(cacheDir, 'token-cache', name);
    rmSync(dir, { recursive: true, force: true });
    return { SPS_TOKEN_CACHE: dir };
  };
  const record = (m: Measured) => {
    results.push(m);
    console.error(`${m.label}: first step ${m.firstStepSeconds?.toFixed(1) ?? '—'} s, total ${m.totalSeconds.toFixed(1)} s, peak RSS ${m.peakRssMB.toFixed(0)} MB, tokenizing events ${m.tokenizingEvents}, load ${m.load.map((l) => l.toFixed(1)).join('→')}`);
  };

  const small = corpus(1);
  const mid = corpus(200);
  const smallEnv = freshCache('small');
  record(await runSps('1 MB: tune (cold cache)', tuneArgs(small, join(runs, 'small')), smallEnv));
  const midEnv = freshCache('mid');
  if (!args.has('--only-big') && !args.has('--only-validate')) {
    record(await runSps('200 MB: tune (cold cache)', tuneArgs(mid, join(runs, 'mid-1')), midEnv));
    // "Starts within 5 s": its first step s is the time to start.
    record(await runSps('200 MB: second run, same data and template (first step = start)', tuneArgs(mid, join(runs, 'mid-2')), midEnv));
  }
  if (!args.has('--skip-validate') && !args.has('--only-big')) {
    const vData = corpus(validateMb);
    const vEnv = freshCache('validate');
    record(await runSps(`${validateMb} MB: sps validate (fills the cache)`, ['validate', '--model', model, '--data', vData, '--task', 'lm', '--json'], vEnv));
    record(await runSps(`${validateMb} MB: tune after validate`, tuneArgs(vData, join(runs, 'validated')), vEnv));
  }
  if (args.has('--big') || args.has('--only-big')) {
    const big = corpus(2000);
    const bigEnv = freshCache('big');
    // Stopped after its 3 steps: its final evaluation is not what is measured.
    record(await runSps('2 GB: tune (cold cache), stopped after 3 steps', tuneArgs(big, join(runs, 'big')), bigEnv, 3));
    record(await runSps('2 GB: second run, same data and template, stopped after 3 steps', tuneArgs(big, join(runs, 'big-2')), bigEnv, 3));
  }
  const base = results[0]!;
  console.log(`\n${cpus().length} CPUs; 1-minute load average at the start and end of each run (other work slows every timing)`);
  console.log('| run | first step s | total s | peak RSS MB | RSS over 1 MB run | tokenizing events | load |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) console.log(`| ${r.label} | ${r.firstStepSeconds?.toFixed(1) ?? '—'} | ${r.totalSeconds.toFixed(1)} | ${r.peakRssMB.toFixed(0)} | ${(r.peakRssMB - base.peakRssMB).toFixed(0)} | ${r.tokenizingEvents} | ${r.load.map((l) => l.toFixed(1)).join('→')} |`);
  mkdirSync(join(repo, 'bench', 'results'), { recursive: true });
  const out = join(repo, 'bench', 'results', `data-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), results }, null, 2) + '\n');
  console.error(`results: ${out}`);
}

await main();
