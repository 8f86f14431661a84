import { JOB_DEFAULTS, type JobConfig } from '../../../src/shared/job.js';
import type { SweepConfig } from '../../../src/shared/sweep.js';
import type { SweepPlan, SweepState, TrialResult } from '../../../src/shared/sweep_state.js';
import type { TrialSettings } from '../../../src/shared/sweep.js';

/** A valid classification job (paths need not exist for planning). */
export function baseJob(overrides: Partial<JobConfig['training']> = {}, modelPath = 'model'): JobConfig {
  return {
    version: 1,
    model: { path: modelPath },
    data: { train: 'data.csv', validationFraction: 0.1 },
    task: { kind: 'classification', inputTemplate: '{text} The story is', labelColumn: 'label' },
    prompt: { numVirtualTokens: 8, init: 'random' },
    training: { ...JOB_DEFAULTS.training, steps: 90, ...overrides },
    device: 'cpu',
  };
}

export function sweepConfig(patch: Partial<SweepConfig> = {}, job = baseJob()): SweepConfig {
  return {
    version: 1,
    job,
    space: { numVirtualTokens: [4, 8, 16, 32], learningRate: [0.01, 0.03, 0.1, 0.3] },
    sampling: { method: 'grid' },
    halving: { enabled: true, eta: 3 },
    budget: {},
    ...patch,
  };
}

const settings = (n: number, lr: number, init: TrialSettings['init'] = 'random'): TrialSettings => ({ numVirtualTokens: n, learningRate: lr, init, warmupRatio: 0.06, batchSize: 8 });

/** A plan and state with given final results: [tokens, lr, init, value, step]. */
export function constructed(rows: [number, number, TrialSettings['init'], number, number][], opts: { higherIsBetter?: boolean; metric?: string; rungs?: number[] } = {}): { plan: SweepPlan; state: SweepState } {
  const rungs = opts.rungs ?? [100, 300];
  const plan: SweepPlan = {
    trials: rows.map(([n, lr, init], i) => ({ id: `t${i}`, settings: settings(n, lr, init), runDir: `trials/t${i}` })),
    rungs,
    eta: 3,
    metric: opts.metric ?? 'accuracy',
    higherIsBetter: opts.higherIsBetter ?? true,
    note: '',
    plannedSteps: 0,
    fullGridSteps: 0,
  };
  const state: SweepState = {
    status: 'completed',
    trials: Object.fromEntries(
      rows.map(([, , , value, step], i) => {
        const results: TrialResult[] = [{ rung: 0, step: rungs[0]!, value, seconds: 1 }];
        if (step > rungs[0]!) results.push({ rung: 1, step, value, seconds: 1 });
        return [`t${i}`, { status: 'completed', rung: results.length - 1, results }];
      }),
    ),
    decisions: [],
    stepsUsed: 0,
    elapsedSeconds: 0,
    updatedAt: '',
  };
  return { plan, state };
}
