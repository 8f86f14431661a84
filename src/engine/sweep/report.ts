import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Recommendation, Sensitivity, SweepFile, SweepState, TrialRow } from '../../shared/sweep_state.js';
import { readMetrics, runPaths } from '../tuning/run_dir.js';
import { recommend } from './recommend.js';
import { sensitivity } from './sensitivity.js';
import { readSweep, readSweepState } from './sweep_dir.js';

export type { TrialRow };

export interface SweepReport {
  dir: string;
  sweep: SweepFile;
  state: SweepState;
  trials: TrialRow[];
  recommendation: Recommendation | null;
  sensitivity: Sensitivity | null;
}

/** Everything known about a sweep, read from its folder (and its trials' metrics with `curves`). */
export function sweepReport(dir: string, opts: { curves?: boolean } = {}): SweepReport {
  const sweep = readSweep(dir);
  const state = readSweepState(dir);
  const { plan } = sweep;
  const trials: TrialRow[] = plan.trials.map((t) => {
    const ts = state.trials[t.id] ?? { status: 'pending', rung: -1, results: [] };
    const last = ts.results.at(-1);
    const runDir = join(dir, t.runDir);
    let curve: TrialRow['curve'];
    if (opts.curves && existsSync(runPaths(runDir).metrics)) {
      curve = readMetrics(runDir).flatMap((m) => (m.kind === 'evaluation' && typeof m[plan.metric] === 'number' ? [{ step: Number(m.step), value: m[plan.metric] as number }] : []));
    }
    return { id: t.id, settings: t.settings, runDir, status: ts.status, ...(ts.reason ? { reason: ts.reason } : {}), results: ts.results, value: last?.value ?? null, step: last?.step ?? 0, ...(curve ? { curve } : {}) };
  });
  return { dir, sweep, state, trials, recommendation: recommend(plan, state), sensitivity: sensitivity(plan, state) };
}
