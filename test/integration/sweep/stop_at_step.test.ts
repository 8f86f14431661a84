import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTraining, type TrainingControl } from '../../../src/engine/tuning/trainer.js';
import { readMetrics, readState } from '../../../src/engine/tuning/run_dir.js';
import { ResourceCache } from '../../../src/engine/tuning/trainer_resources.js';
import type { TrainingEvent } from '../../../src/shared/training_events.js';
import { useTempDir } from '../../helpers/fixtures.js';
import { createTestRun, finalPromptBytes, sentimentFlags } from '../tuning/tuning_helpers.js';

const control: TrainingControl = { paused: false, cancelled: false, waitForResume: () => Promise.resolve() };

/**
 * A sweep stops a trial at a rung's step and later resumes it: the trial then ends exactly
 * where the same run trained without stopping ends (the schedule is the full run's), also
 * when trials share a ResourceCache (model, data, sessions and baseline built once).
 */
describe('stopping a run at a rung step', () => {
  const tmp = useTempDir('sps-stop-');

  it('stopped at 10 and 20, then resumed to 30: bit-identical to an uninterrupted run', async () => {
    const flags = sentimentFlags({ steps: '30', 'eval-every': '25', 'checkpoint-every': '100', seed: '3' });
    const ref = join(tmp(), 'ref');
    createTestRun(ref, flags);
    expect(await runTraining(ref, { resume: false, emit: () => {}, control })).toBe('completed');

    const cache = new ResourceCache();
    const dir = join(tmp(), 'trial');
    createTestRun(dir, flags);
    const events: TrainingEvent[] = [];
    const emit = (e: TrainingEvent) => events.push(e);
    try {
      expect(await runTraining(dir, { resume: false, stopAtStep: 10, emit, control, resources: cache })).toBe('stopped');
      const st = readState(dir)!;
      expect(st).toMatchObject({ status: 'stopped', step: 10 });
      expect(String(st.reason)).toMatch(/stopped at step 10 of 30/);
      // The rung ends with an evaluation (eval-every is 25) so the sweep can rank the trial.
      expect(readMetrics(dir).filter((m) => m.kind === 'evaluation').map((m) => m.step)).toEqual([10]);
      expect(await runTraining(dir, { resume: true, stopAtStep: 20, emit, control, resources: cache })).toBe('stopped');
      expect(await runTraining(dir, { resume: true, stopAtStep: 30, emit, control, resources: cache })).toBe('completed');
    } finally {
      await cache.release();
    }
    expect(finalPromptBytes(dir).equals(finalPromptBytes(ref))).toBe(true);
    const train = (d: string) => readMetrics(d).filter((m) => m.kind === 'train').map((m) => [m.step, m.loss]);
    expect(train(dir)).toEqual(train(ref));
    // The cached baseline is the one a fresh run computes.
    const baseline = (d: string) => readMetrics(d).find((m) => m.kind === 'baseline');
    expect(baseline(dir)).toEqual(baseline(ref));
    expect(events.filter((e) => e.type === 'started').map((e) => e.type === 'started' && e.step)).toEqual([0, 10, 20]);
  });
});
