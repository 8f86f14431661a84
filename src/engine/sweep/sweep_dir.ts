import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SpsError } from '../../shared/errors.js';
import { defaultMetric, metricDirection } from '../../shared/job.js';
import { validateSweep, type SweepConfig } from '../../shared/sweep.js';
import { SWEEP_STATUSES, type SweepFile, type SweepPlan, type SweepState, type TrialState } from '../../shared/sweep_state.js';
import { readJsonFile } from '../files.js';
import { fsyncDir, writeFileDurable, writeJsonAtomic } from '../tuning/durable_fs.js';
import { APP_VERSION } from '../tuning/run.js';
import { plannedSteps, rungSteps } from './halving.js';
import { sampleTrials, trialId } from './sampler.js';

/**
 * The sweep folder, a directory a user could zip and share like a run:
 *   sweep.json   the config and the plan (trials, their settings, the rung schedule); written once
 *   state.json   what has happened: each trial's state and results, rung decisions, budget used;
 *                replaced atomically after every change, so a crash leaves the last good state
 *   trials/<id>/ one ordinary run folder per trial (job.json, metrics, checkpoints, best/ …)
 */
export function sweepPaths(dir: string) {
  return { root: dir, sweep: join(dir, 'sweep.json'), state: join(dir, 'state.json'), trials: join(dir, 'trials') };
}

export function checkSweep(value: unknown, source: string): SweepConfig {
  const errors = validateSweep(value);
  if (errors.length > 0) {
    const e = errors[0]!;
    throw new SpsError('INVALID_ARGUMENT', `${errors.length} problem(s) in the sweep config; first: ${e.field} ${e.message}`, {
      location: { file: source, field: e.field },
      hint: errors.length > 1 ? `also: ${errors.slice(1, 4).map((x) => `${x.field} ${x.message}`).join('; ')}` : 'fix the field and try again',
    });
  }
  return value as SweepConfig;
}

/** The plan of a sweep: its trials and rung schedule. A pure function of the config. */
export function planSweep(config: SweepConfig): SweepPlan {
  const { trials, note } = sampleTrials(config);
  if (trials.length === 0) throw new SpsError('INVALID_ARGUMENT', 'the sweep has no trials', { location: { field: 'budget.trials' } });
  const fullSteps = config.job.training.steps!;
  const rungs = rungSteps(config, fullSteps, trials.length);
  const eta = config.halving.enabled ? config.halving.eta : 1;
  const metric = config.job.training.metric ?? defaultMetric(config.job.task.kind).name;
  const width = String(trials.length).length < 2 ? 2 : String(trials.length).length;
  return {
    trials: trials.map((settings, i) => {
      const id = trialId(i, settings, width);
      return { id, settings, runDir: join('trials', id) };
    }),
    rungs,
    eta,
    metric,
    higherIsBetter: metricDirection(metric),
    note,
    plannedSteps: config.halving.enabled ? plannedSteps(rungs, trials.length, eta) : trials.length * fullSteps,
    fullGridSteps: trials.length * fullSteps,
  };
}

/** Paths in the config made absolute, so the sweep folder works from any directory. */
function absolutize(config: SweepConfig): SweepConfig {
  const job = config.job;
  return {
    ...config,
    job: {
      ...job,
      model: { path: resolve(job.model.path) },
      data: { ...job.data, train: resolve(job.data.train), ...(job.data.validation ? { validation: resolve(job.data.validation) } : {}) },
      ...(job.prompt.initFile ? { prompt: { ...job.prompt, initFile: resolve(job.prompt.initFile) } } : {}),
    },
    space: { ...config.space, ...(config.space.init ? { init: config.space.init.map((c) => (typeof c === 'object' && 'file' in c ? { file: resolve(c.file) } : c)) } : {}) },
  };
}

/** Creates a sweep folder (refusing a non-empty one) with its plan and a fresh state. */
export function createSweep(dir: string, config: SweepConfig): SweepFile {
  const root = resolve(dir);
  if (existsSync(root)) {
    if (!statSync(root).isDirectory()) throw new SpsError('NOT_A_DIRECTORY', 'the sweep output path is a file', { location: { file: root, field: '--out' }, hint: 'choose a new folder for the sweep' });
    if (readdirSync(root).length > 0) throw new SpsError('INVALID_ARGUMENT', 'the sweep folder already exists and is not empty', { location: { file: root, field: '--out' }, hint: `continue it with \`sps sweep resume ${dir}\`, or choose a new folder` });
  }
  const abs = absolutize(config);
  const file: SweepFile = { config: abs, plan: planSweep(abs), createdAt: new Date().toISOString(), appVersion: APP_VERSION };
  mkdirSync(sweepPaths(root).trials, { recursive: true });
  writeFileDurable(sweepPaths(root).sweep, JSON.stringify(file, null, 2) + '\n');
  fsyncDir(root);
  writeSweepState(root, initialState(file.plan));
  return file;
}

export function initialState(plan: SweepPlan): SweepState {
  return {
    status: 'created',
    trials: Object.fromEntries(plan.trials.map((t) => [t.id, { status: 'pending', rung: -1, results: [] } satisfies TrialState])),
    decisions: [],
    stepsUsed: 0,
    elapsedSeconds: 0,
    updatedAt: new Date().toISOString(),
  };
}

export function readSweep(dir: string): SweepFile {
  const path = sweepPaths(dir).sweep;
  if (!existsSync(path)) throw new SpsError('FILE_NOT_FOUND', 'this folder is not a sweep (no sweep.json)', { location: { file: resolve(dir) }, hint: 'pass a folder made by `sps sweep --out`' });
  const v = readJsonFile(path, 'sweep file') as SweepFile;
  checkSweep(v.config, path);
  if (!v.plan || !Array.isArray(v.plan.trials) || !Array.isArray(v.plan.rungs)) throw new SpsError('INVALID_DATA', 'the sweep file has no plan', { location: { file: path, field: 'plan' } });
  return v;
}

export function readSweepState(dir: string): SweepState {
  const path = sweepPaths(dir).state;
  const v = readJsonFile(path, 'sweep state file') as SweepState;
  if (typeof v !== 'object' || v === null || !SWEEP_STATUSES.includes(v.status) || typeof v.trials !== 'object') {
    throw new SpsError('INVALID_DATA', `sweep state has no valid "status" (expected one of ${SWEEP_STATUSES.join(', ')})`, { location: { file: path, field: 'status' } });
  }
  return v;
}

/** Replaces state.json atomically: a crash leaves the old or the new state, never half of one. */
export function writeSweepState(dir: string, state: SweepState): void {
  writeJsonAtomic(sweepPaths(dir).state, { ...state, updatedAt: new Date().toISOString() });
}
