/**
 * Sweep benchmark (issue 14): on the bundled sentiment sample with the built-in stories260K
 * model and the README's template, prompt lengths {4, 8, 16, 32} × learning rates
 * {0.01, 0.03, 0.1, 0.3} at the README's 300 steps:
 *   grid   every trial at full steps (halving off)
 *   sweep  successive halving, eta 3 (rungs at 33 / 100 / 300 steps)
 * Both run the same machinery in this process (engine/sweep: one ResourceCache, trials as
 * ordinary run folders), one after the other. Reports wall and CPU time of each, their ratio,
 * the best trial of each and the difference, and the machine's load (it is shared).
 *
 *   npm run bench:sweep            (writes bench/sweep/results.json)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runSweep } from '../../src/engine/sweep/driver.js';
import { inProcessExecutor } from '../../src/engine/sweep/inprocess_executor.js';
import { sweepReport } from '../../src/engine/sweep/report.js';
import { createSweep } from '../../src/engine/sweep/sweep_dir.js';
import { builtinModelDir } from '../../src/engine/models/builtin.js';
import { JOB_DEFAULTS } from '../../src/shared/job.js';
import type { SweepConfig } from '../../src/shared/sweep.js';

const control = { paused: false, cancelled: false, waitForResume: () => Promise.resolve() };

function config(halving: boolean): SweepConfig {
  return {
    version: 1,
    name: halving ? 'sweep' : 'grid',
    job: {
      version: 1,
      model: { path: builtinModelDir('stories260K') },
      data: { train: resolve('resources/samples/sentiment.csv'), validationFraction: 0.1 },
      task: { kind: 'classification', inputTemplate: '{text} The story is', labelColumn: 'label' },
      prompt: { numVirtualTokens: 8, init: 'random' },
      training: { ...JOB_DEFAULTS.training, steps: 300, batchSize: 8, evalEvery: 50 },
      device: 'cpu',
    },
    space: { numVirtualTokens: [4, 8, 16, 32], learningRate: [0.01, 0.03, 0.1, 0.3] },
    sampling: { method: 'grid' },
    halving: { enabled: halving, eta: 3 },
    budget: {},
  };
}

async function measure(root: string, halving: boolean) {
  const dir = join(root, halving ? 'sweep' : 'grid');
  createSweep(dir, config(halving));
  const executor = inProcessExecutor(control);
  const load0 = loadavg()[0]!;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const state = await runSweep(dir, { executor, emit: () => {} });
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await executor.release();
  const report = sweepReport(dir);
  const r = report.recommendation!;
  return {
    kind: halving ? 'sweep (halving, eta 3)' : 'full grid (300 steps each)',
    status: state.status,
    trials: report.trials.length,
    rungs: report.sweep.plan.rungs,
    steps: state.stepsUsed,
    wallSeconds: Math.round(wall * 10) / 10,
    cpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 10) / 10,
    loadAverage1m: { start: load0, end: loadavg()[0]! },
    best: { trial: r.trial, accuracy: r.value, text: r.text },
    byTrial: report.trials.map((t) => ({ id: t.id, steps: t.step, accuracy: t.value })),
  };
}

const root = mkdtempSync(join(tmpdir(), 'sps-sweep-bench-'));
try {
  const grid = await measure(root, false);
  const sweep = await measure(root, true);
  const out = {
    date: new Date().toISOString(),
    cpus: (await import('node:os')).cpus().length,
    grid,
    sweep,
    wallRatio: Math.round((sweep.wallSeconds / grid.wallSeconds) * 1000) / 1000,
    cpuRatio: Math.round((sweep.cpuSeconds / grid.cpuSeconds) * 1000) / 1000,
    bestDifference: Math.round((grid.best.accuracy - sweep.best.accuracy) * 1000) / 1000,
  };
  writeFileSync(resolve('bench/sweep/results.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(`| run | trials | steps | wall s | CPU s | best accuracy | load (1 min) |`);
  console.log(`| --- | --- | --- | --- | --- | --- | --- |`);
  for (const x of [grid, sweep]) console.log(`| ${x.kind} | ${x.trials} | ${x.steps} | ${x.wallSeconds} | ${x.cpuSeconds} | ${x.best.accuracy} (${x.best.trial}) | ${x.loadAverage1m.start.toFixed(1)} → ${x.loadAverage1m.end.toFixed(1)} |`);
  console.log(`\nsweep / grid: wall ${out.wallRatio}, CPU ${out.cpuRatio}; best accuracy difference ${out.bestDifference}`);
  console.log(`grid recommends: ${grid.best.text}\nsweep recommends: ${sweep.best.text}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
