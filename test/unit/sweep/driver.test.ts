import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSweep, type SegmentRequest, type TrialExecutor } from '../../../src/engine/sweep/driver.js';
import { createSweep, readSweepState } from '../../../src/engine/sweep/sweep_dir.js';
import { readRunJob } from '../../../src/engine/tuning/run.js';
import { appendMetrics, readState, writeStateAtomic } from '../../../src/engine/tuning/run_dir.js';
import type { SweepConfig } from '../../../src/shared/sweep.js';
import type { SweepEvent } from '../../../src/shared/sweep_state.js';
import { storiesModelDir, useTempDir } from '../../helpers/fixtures.js';
import { baseJob, sweepConfig } from './sweep_fixtures.js';

const SENTIMENT = resolve('resources/samples/sentiment.csv');

/** A made-up response surface: best near lr 0.1 and 16 tokens, improving with steps. */
function score(n: number, lr: number, step: number): number {
  const q = 1 - 0.15 * Math.abs(Math.log10(lr) + 1) - 0.02 * Math.abs(Math.log2(n) - 4);
  return Math.round(q * (1 - 0.5 / (1 + step / 30)) * 1000) / 1000;
}

/**
 * Pretends to train: writes what a real segment leaves in its run folder (state with step and
 * best, an evaluation record). `crashAt` makes one call die the way a killed process would:
 * part-way (progress written, no end state) or just after the run ended.
 */
function fakeExecutor(opts: { crashAt?: { call: number; when: 'mid' | 'after' } } = {}): TrialExecutor & { calls: SegmentRequest[] } {
  const calls: SegmentRequest[] = [];
  return {
    calls,
    runSegment(req) {
      calls.push(req);
      const { job } = readRunJob(req.runDir);
      const prev = readState(req.runDir)!;
      const prevBest = (prev.best as { value: number } | null | undefined)?.value ?? -Infinity;
      if (!req.resume) expect(Number(prev.step)).toBe(0);
      const total = job.training.steps!;
      const crash = opts.crashAt?.call === calls.length ? opts.crashAt.when : undefined;
      if (crash === 'mid') {
        const mid = Math.floor((Number(prev.step) + req.stopAtStep) / 2);
        writeStateAtomic(req.runDir, { ...prev, status: 'running', step: mid });
        return Promise.reject(new Error('simulated crash mid-segment'));
      }
      const value = Math.max(prevBest, score(job.prompt.numVirtualTokens, job.training.learningRate, req.stopAtStep));
      appendMetrics(req.runDir, { kind: 'evaluation', step: req.stopAtStep, accuracy: value, val_loss: 1 - value });
      writeStateAtomic(req.runDir, { status: req.stopAtStep >= total ? 'completed' : 'stopped', step: req.stopAtStep, best: { step: req.stopAtStep, metric: 'accuracy', value } });
      if (crash === 'after') return Promise.reject(new Error('simulated crash after the segment'));
      return Promise.resolve({ status: req.stopAtStep >= total ? 'completed' : 'stopped' });
    },
  };
}

function config(patch: Partial<SweepConfig> = {}): SweepConfig {
  return sweepConfig(patch, { ...baseJob({ steps: 90 }, storiesModelDir()), data: { train: SENTIMENT, validationFraction: 0.1 } });
}

/** sha256 of every file under a folder, by relative path. */
function hashTree(dir: string, base = dir, out: Record<string, string> = {}): Record<string, string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) hashTree(p, base, out);
    else out[p.slice(base.length)] = createHash('sha256').update(readFileSync(p)).digest('hex') + ':' + statSync(p).mtimeMs;
  }
  return out;
}

describe('sweep driver', () => {
  const tmp = useTempDir('sps-sweep-');

  it('runs every trial at the first rung, then only the promoted ones, with the planned steps', async () => {
    const dir = join(tmp(), 'sw');
    const { plan } = createSweep(dir, config());
    expect(plan.rungs).toEqual([10, 30, 90]);
    const ex = fakeExecutor();
    const events: SweepEvent[] = [];
    const state = await runSweep(dir, { executor: ex, emit: (e) => events.push(e) });
    expect(state.status).toBe('completed');
    expect(ex.calls.map((c) => c.stopAtStep)).toEqual([...Array(16).fill(10), ...Array(5).fill(30), 90]);
    // Each (trial, rung) ran once; later rungs continue the same run folder.
    expect(ex.calls.slice(16).every((c) => c.resume)).toBe(true);
    expect(state.stepsUsed).toBe(plan.plannedSteps);
    expect(state.decisions.map((d) => d.promoted.length)).toEqual([5, 1]);
    const winner = state.decisions[1]!.promoted[0]!;
    expect(winner).toMatch(/-n16-lr0.1-/);
    expect(state.trials[winner]!.status).toBe('completed');
    const stopped = Object.values(state.trials).filter((t) => t.status === 'stopped');
    expect(stopped).toHaveLength(15);
    expect(stopped[0]!.reason).toMatch(/^rank \d+ of 1?\d at \d+ steps: not in the best/);
    const finished = events.at(-1)!;
    expect(finished.type === 'sweep-finished' && finished.recommendation?.trial).toBe(winner);
  });

  it('stops at the step budget before a segment would exceed it, and says so', async () => {
    const dir = join(tmp(), 'sw');
    createSweep(dir, config({ budget: { totalSteps: 200 } }));
    const ex = fakeExecutor();
    const state = await runSweep(dir, { executor: ex, emit: () => {} });
    expect(state.status).toBe('stopped');
    // 16 × 10 = 160 at rung 1; the next segment (20 steps) would pass 200 after the second.
    expect(state.stepsUsed).toBe(200);
    expect(state.stepsUsed).toBeLessThanOrEqual(200);
    expect(state.reason).toMatch(/step budget \(200\) would be exceeded: .* needs 20 more steps, 0 are left/);
    expect(readSweepState(dir).status).toBe('stopped');
  });

  it('stops at the wall-time budget, counting time across sessions', async () => {
    const dir = join(tmp(), 'sw');
    createSweep(dir, config({ budget: { wallSeconds: 35 } }));
    let t = 0;
    const ex = fakeExecutor();
    const slow: TrialExecutor = { runSegment: (r) => ((t += 10_000), ex.runSegment(r)) };
    const state = await runSweep(dir, { executor: slow, emit: () => {}, now: () => t });
    expect(ex.calls).toHaveLength(4);
    expect(state.status).toBe('stopped');
    expect(state.reason).toMatch(/wall-time budget \(35 s\) is used up after 40 s; 12 trial\(s\) never started/);
    // A resumed session starts from the 40 s already spent: nothing more runs.
    const again = await runSweep(dir, { executor: slow, emit: () => {}, now: () => t });
    expect(ex.calls).toHaveLength(4);
    expect(again.elapsedSeconds).toBe(40);
  });

  it.each(['mid', 'after'] as const)('a crash %s a trial segment resumes without repeating or touching finished trials', async (when) => {
    const dir = join(tmp(), 'sw');
    createSweep(dir, config());
    // Call 19 is the third promoted trial's rung-2 segment.
    const crashing = fakeExecutor({ crashAt: { call: 19, when } });
    await expect(runSweep(dir, { executor: crashing, emit: () => {} })).rejects.toThrow(/simulated crash/);
    const crashed = crashing.calls[18]!;
    const mid = readSweepState(dir);
    expect(mid.status).toBe('running');
    expect(mid.trials[crashed.trial]).toMatchObject({ status: 'running', rung: 1 });
    const jobBefore = readFileSync(join(crashed.runDir, 'job.json'), 'utf8');
    // Trials that are done for good (not promoted at rung 1) must come out byte-identical.
    const doneForGood = mid.trials && Object.entries(mid.trials).filter(([, t]) => t.status === 'stopped').map(([id]) => id);
    expect(doneForGood).toHaveLength(11);
    const before = Object.fromEntries(doneForGood.map((id) => [id, hashTree(join(dir, 'trials', id))]));

    const ex = fakeExecutor();
    const state = await runSweep(dir, { executor: ex, emit: () => {} });
    expect(state.status).toBe('completed');
    const ran = ex.calls.map((c) => `${c.trial}@${c.stopAtStep}`);
    // Segments finished before the crash are not run again; the crashed one continues (or,
    // if it had ended, is only recorded), from its own run folder.
    const doneBefore = new Set(crashing.calls.slice(0, 18).map((c) => `${c.trial}@${c.stopAtStep}`));
    expect(ran.filter((r) => doneBefore.has(r))).toEqual([]);
    expect(new Set(ran).size).toBe(ran.length);
    if (when === 'mid') expect(ex.calls[0]).toMatchObject({ trial: crashed.trial, stopAtStep: 30, resume: true });
    else expect(ran).not.toContain(`${crashed.trial}@30`);
    expect(readFileSync(join(crashed.runDir, 'job.json'), 'utf8')).toBe(jobBefore);
    for (const id of doneForGood) expect(hashTree(join(dir, 'trials', id))).toEqual(before[id]);
    // The same decisions as an uninterrupted sweep.
    const ref = join(tmp(), 'ref');
    createSweep(ref, config());
    const uninterrupted = await runSweep(ref, { executor: fakeExecutor(), emit: () => {} });
    expect(state.decisions.map((d) => d.promoted)).toEqual(uninterrupted.decisions.map((d) => d.promoted));
    expect(state.stepsUsed).toBe(uninterrupted.stepsUsed);
  });

  it('records a trial that cannot start as failed and goes on', async () => {
    const dir = join(tmp(), 'sw');
    createSweep(dir, config({ space: { numVirtualTokens: [4, 8], init: ['random', { file: join(tmp(), 'missing.safetensors') }] }, halving: { enabled: false, eta: 3 } }));
    const ex = fakeExecutor();
    const failing: TrialExecutor = {
      runSegment: (r) => (readRunJob(r.runDir).job.prompt.init === 'file' ? Promise.resolve({ status: 'failed', error: { code: 'FILE_NOT_FOUND', message: 'no such prompt file' } }) : ex.runSegment(r)),
    };
    const state = await runSweep(dir, { executor: failing, emit: () => {} });
    expect(state.status).toBe('completed');
    const statuses = Object.values(state.trials).map((t) => t.status);
    expect(statuses.filter((s) => s === 'failed')).toHaveLength(2);
    expect(Object.values(state.trials).find((t) => t.status === 'failed')!.reason).toBe('no such prompt file');
  });
});
