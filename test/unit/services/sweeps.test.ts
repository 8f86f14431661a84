import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSweep, readSweepState, writeSweepState } from '../../../src/engine/sweep/sweep_dir.js';
import type { SweepConfig } from '../../../src/shared/sweep.js';
import { useTempDir } from '../../helpers/fixtures.js';
import { makeServices, sentimentJob } from './service_helpers.js';

const config = (): SweepConfig => ({
  version: 1,
  name: 'svc sweep',
  job: sentimentJob({ steps: 8, evalEvery: 4, checkpointEvery: 4 }),
  space: { numVirtualTokens: [2, 4], learningRate: [0.3] },
  sampling: { method: 'grid' },
  halving: { enabled: true, eta: 2, minSteps: 2 },
  budget: {},
});

/**
 * The sweeps API over the services: plan, create (runs in a sweep worker), get with each
 * trial's run usable by jobs.* — and a sweep the previous app session left running is marked
 * interrupted on start and continued by sweeps.resume without repeating a trial.
 */
describe('sweeps service', () => {
  const tmp = useTempDir('sps-svc-sweep-');

  it('plans, runs a sweep, and its trials open as runs', async () => {
    const t = makeServices(join(tmp(), 'data'));
    try {
      const h = t.services.handlers;
      const plan = await h['sweeps.plan']({ config: config() });
      expect(plan.rungs).toEqual([4, 8]);
      expect(plan.plannedSteps).toBe(2 * 4 + 4);
      const created = await h['sweeps.create']({ config: config() });
      await t.waitEvent('sweeps.changed', (p) => p.sweep.id === created.id && p.sweep.status === 'completed', 'the sweep to complete', 120_000);
      const d = await h['sweeps.get']({ id: created.id });
      expect(d.trialRows.map((r) => r.status).sort()).toEqual(['completed', 'stopped']);
      expect(d.recommendation?.text).toMatch(/tokens, lr 0.3, init random: accuracy/);
      const stopped = d.trialRows.find((r) => r.status === 'stopped')!;
      const run = await h['jobs.get']({ id: stopped.runId });
      expect(run.status).toBe('stopped');
      expect(run.step).toBe(4);
      expect((await h['sweeps.list']({})).map((s) => s.id)).toEqual([created.id]);
    } finally {
      await t.services.shutdown();
    }
  }, 180_000);

  it('marks a sweep left running as interrupted at start; resume finishes it without repeating trials', async () => {
    const dataDir = join(tmp(), 'data');
    const dir = join(dataDir, 'runs', 'sweeps', '20260101-000000-left-running');
    createSweep(dir, config());
    // As a crashed session leaves it: running, with a process id that is gone.
    writeSweepState(dir, { ...readSweepState(dir), status: 'running', pid: 2 ** 22 + 12345 });
    const t = makeServices(dataDir);
    try {
      const h = t.services.handlers;
      expect(readSweepState(dir).status).toBe('interrupted');
      await h['sweeps.resume']({ id: '20260101-000000-left-running' });
      await t.waitEvent('sweeps.changed', (p) => p.sweep.status === 'completed', 'the resumed sweep to complete', 120_000);
      const starts = t.events.flatMap((e) => (e.event === 'sweeps.event' && (e.payload as { event: { type: string; trial?: string; rung?: number } }).event.type === 'trial-started' ? [(e.payload as { event: { trial: string; rung: number } }).event] : []));
      expect(new Set(starts.map((s) => `${s.trial}@${s.rung}`)).size).toBe(starts.length);
      expect(starts).toHaveLength(3);
    } finally {
      await t.services.shutdown();
    }
  }, 180_000);
});
