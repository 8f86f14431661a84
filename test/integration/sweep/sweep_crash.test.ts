import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSweepState } from '../../../src/engine/sweep/sweep_dir.js';
import { readMetrics } from '../../../src/engine/tuning/run_dir.js';
import { JOB_DEFAULTS } from '../../../src/shared/job.js';
import type { SweepConfig } from '../../../src/shared/sweep.js';
import type { SweepEvent } from '../../../src/shared/sweep_state.js';
import { storiesModelDir } from '../../helpers/fixtures.js';
import { sps } from '../cli/cli_helpers.js';

/**
 * A real sweep process (CLI + sweep worker, the real model) killed with SIGKILL in the middle
 * of a trial — inside a checkpoint write of the first promoted trial — then `sps sweep resume`:
 * the sweep completes, no trial is created or started again, the interrupted trial continues
 * from its last good checkpoint, and trials that were done are not touched.
 */
const root = mkdtempSync(join(tmpdir(), 'sps-sweep-crash-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function hashTree(dir: string, base = dir, out: Record<string, string> = {}): Record<string, string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) hashTree(p, base, out);
    else out[p.slice(base.length)] = createHash('sha256').update(readFileSync(p)).digest('hex');
  }
  return out;
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('sps sweep: crash and resume', () => {
  it('SIGKILL mid-trial, then `sps sweep resume` finishes with no trial repeated', async () => {
    const config: SweepConfig = {
      version: 1,
      name: 'crash test',
      job: {
        version: 1,
        model: { path: storiesModelDir() },
        data: { train: resolve('resources/samples/sentiment.csv'), validationFraction: 0.1 },
        task: { kind: 'classification', inputTemplate: '{text} The story is', labelColumn: 'label' },
        prompt: { numVirtualTokens: 4, init: 'random' },
        training: { ...JOB_DEFAULTS.training, steps: 60, batchSize: 4, evalEvery: 15, checkpointEvery: 5, seed: 5 },
        device: 'cpu',
      },
      space: { numVirtualTokens: [4, 8], learningRate: [0.03, 0.3] },
      sampling: { method: 'grid' },
      halving: { enabled: true, eta: 2 },
      budget: {},
    };
    const cfgPath = join(root, 'sweep.json');
    writeFileSync(cfgPath, JSON.stringify(config));
    const dir = join(root, 'sw');
    // Rungs end at 15 / 30 / 60 steps; only rung-2 trials pass step 20, so the hold catches
    // the first promoted trial in the middle of its second segment.
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/hooked_sps.ts', 'sweep', '--config', cfgPath, '--out', dir, '--json'], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, SPS_TEST_HOOKS: JSON.stringify({ holdAtCheckpoint: { step: 20, stage: 'manifest.json', ms: 120_000 } }) },
    });
    const log = join(dir, 'sweep.log');
    try {
      await waitFor(() => existsSync(log) && readFileSync(log, 'utf8').includes('test hook: holding'), 90_000);
    } finally {
      // The whole process group: the CLI and its sweep worker die together, as in a power cut.
      process.kill(-child.pid!, 'SIGKILL');
    }
    await new Promise((r) => setTimeout(r, 300));

    const crashed = readSweepState(dir);
    expect(crashed.status).toBe('running');
    const running = Object.entries(crashed.trials).filter(([, t]) => t.status === 'running');
    expect(running).toHaveLength(1);
    const [crashedId] = running[0]!;
    expect(running[0]![1].rung).toBe(1);
    const stopped = Object.entries(crashed.trials).filter(([, t]) => t.status === 'stopped').map(([id]) => id);
    expect(stopped).toHaveLength(2);
    const before = Object.fromEntries(stopped.map((id) => [id, hashTree(join(dir, 'trials', id))]));
    const jobs = Object.fromEntries(Object.keys(crashed.trials).map((id) => [id, readFileSync(join(dir, 'trials', id, 'job.json'), 'utf8')]));

    const res = await sps('sweep', 'resume', dir, '--json');
    expect(res.code, res.stderr).toBe(0);
    const events = res.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as SweepEvent);
    const starts = events.filter((e): e is Extract<SweepEvent, { type: 'trial-started' }> => e.type === 'trial-started');
    // Only the interrupted segment and what came after it run; the interrupted trial resumes
    // from its checkpoint at step 15 (the one at 20 was never swapped in).
    expect(starts[0]).toMatchObject({ trial: crashedId, rung: 1, resumed: true, stopAtStep: 30 });
    const first = events.find((e) => e.type === 'trial-event' && e.trial === crashedId && e.event.type === 'started');
    expect(first?.type === 'trial-event' && first.event.type === 'started' && first.event.step).toBe(15);
    expect(starts.every((s) => s.rung > 0 && s.resumed)).toBe(true);
    expect(new Set(starts.map((s) => `${s.trial}@${s.rung}`)).size).toBe(starts.length);

    const done = readSweepState(dir);
    expect(done.status).toBe('completed');
    expect(Object.values(done.trials).filter((t) => t.status === 'completed')).toHaveLength(1);
    for (const id of stopped) expect(hashTree(join(dir, 'trials', id))).toEqual(before[id]);
    for (const id of Object.keys(done.trials)) {
      // Created once: the same job.json, one baseline evaluation.
      expect(readFileSync(join(dir, 'trials', id, 'job.json'), 'utf8')).toBe(jobs[id]);
      expect(readMetrics(join(dir, 'trials', id)).filter((m) => m.kind === 'baseline')).toHaveLength(1);
    }
    const show = await sps('sweep', 'show', dir);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/recommended: \d+ tokens, lr 0\.\d+, init random: accuracy \d\.\d\d/);
    expect(show.stdout).toMatch(/sensitivity: At 15 steps, (learning rate|prompt length) mattered most/);
  }, 180_000);
});
